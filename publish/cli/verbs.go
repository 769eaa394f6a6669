package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/rookery-social/rookery/internal/command"
	"github.com/rookery-social/rookery/publish"
)

// citeCommand is repost, quote or like: a post made from another's, which
// is fetched and resolved now.
func (a *app) citeCommand(verb, usage, summary string, args []command.Arg, examples []string) *command.Command {
	return &command.Command{
		Name: verb, Usage: usage, Summary: summary, Args: args, Examples: examples,
		Help: "The original is fetched now and its ID, permalink, feed, author and text are written into the\n" +
			"new post's front matter, so builds never fetch anything. `feedpub publish` sends it a Webmention.",
		Flags: func(fs *flag.FlagSet) command.Action {
			dir := dirFlag(fs)
			return func(ctx context.Context, args []string) error {
				o, err := a.citeOptions(verb, args)
				if err != nil {
					return err
				}
				path, err := publish.CreatePost(ctx, *dir, o)
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, path)
				return nil
			}
		},
	}
}

func (a *app) citeOptions(verb string, args []string) (publish.PostOptions, error) {
	o := publish.PostOptions{Now: time.Now()}
	if len(args) == 0 {
		return o, command.Usagef("%s takes the URL of the post to %s: feedpub %s URL", verb, verb, verb)
	}
	switch verb {
	case publish.KindRepost:
		o.Repost = args[0]
	case publish.KindLike:
		o.Like = args[0]
	case publish.KindQuote:
		o.Quote = args[0]
		var err error
		if o.Text, err = publish.ReadText(args[1:], a.stdin); err != nil {
			return o, err
		}
		return o, nil
	}
	if len(args) > 1 {
		return o, command.Usagef("%s takes one URL and no text (to add text, use feedpub quote URL TEXT)", verb)
	}
	return o, nil
}

func (a *app) repostCommand() *command.Command {
	return a.citeCommand(publish.KindRepost, "repost URL [--dir DIR]",
		"write a post that reposts URL (its text and link, as Activity Streams share and u-repost-of)",
		[]command.Arg{{Name: "URL", Help: "the permalink of the post to repost (its page, or FEED_URL#ENTRY_ID)"}},
		[]string{"feedpub repost https://bob.example/posts/x7y8/"})
}

func (a *app) quoteCommand() *command.Command {
	return a.citeCommand(publish.KindQuote, "quote URL [TEXT] [--dir DIR]",
		"write a post with TEXT that quotes URL (u-quotation-of)",
		[]command.Arg{{Name: "URL", Help: "the permalink of the post to quote"},
			{Name: "TEXT", Help: "your Markdown above the quote; none: stdin, or $EDITOR on a terminal"}},
		[]string{`feedpub quote https://bob.example/posts/x7y8/ "So true."`})
}

func (a *app) likeCommand() *command.Command {
	return a.citeCommand(publish.KindLike, "like URL [--dir DIR]",
		"like URL: public in likes.atom and a page of its own, never in the main feeds",
		[]command.Arg{{Name: "URL", Help: "the permalink of the post to like"}},
		[]string{"feedpub like https://bob.example/posts/x7y8/"})
}

func (a *app) editCommand() *command.Command {
	return &command.Command{
		Name:    "edit",
		Usage:   "edit KEY|PATH|URL [TEXT] [--dir DIR]",
		Summary: "give a post new text: its updated moves to now, its ID stays",
		Args: []command.Arg{{Name: "KEY|PATH|URL", Help: "the post: its key, its file, or its permalink"},
			{Name: "TEXT", Help: "the new Markdown; none: stdin, or $EDITOR on a terminal (starting from the current text)"}},
		Examples: []string{`feedpub edit k3j2m4n5p6 "Hello, world (fixed a typo)"`, "feedpub edit posts/2026-11-22-k3j2m4n5p6.md"},
		Flags: func(fs *flag.FlagSet) command.Action {
			dir := dirFlag(fs)
			return func(_ context.Context, args []string) error {
				if len(args) == 0 {
					return command.Usagef("edit takes the post to edit: feedpub edit KEY|PATH|URL [TEXT]")
				}
				current, err := publish.PostText(*dir, args[0])
				if err != nil {
					return err
				}
				text, err := publish.ReadTextFrom(args[1:], a.stdin, current)
				if err != nil {
					return err
				}
				path, err := publish.EditPost(*dir, args[0], text, time.Now())
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, path)
				return nil
			}
		},
	}
}

func (a *app) deleteCommand() *command.Command {
	return &command.Command{
		Name:    "delete",
		Usage:   "delete KEY|PATH|URL [--dir DIR]",
		Summary: "delete a post: an RFC 6721 tombstone in its feed, its page removed, Webmentions sent again",
		Args:    []command.Arg{{Name: "KEY|PATH|URL", Help: "the post: its key, its file, or its permalink"}},
		Examples: []string{"feedpub delete k3j2m4n5p6",
			"feedpub delete https://alice.example/posts/k3j2m4n5p6/"},
		Flags: func(fs *flag.FlagSet) command.Action {
			dir := dirFlag(fs)
			return func(_ context.Context, args []string) error {
				if len(args) != 1 {
					return command.Usagef("delete takes one post: feedpub delete KEY|PATH|URL")
				}
				path, err := publish.DeletePost(*dir, args[0], time.Now())
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, path)
				return nil
			}
		},
	}
}

func (a *app) profileCommand() *command.Command {
	return &command.Command{
		Name:    "profile",
		Usage:   "profile [--name NAME] [--bio TEXT] [--avatar FILE] [--dir DIR]",
		Summary: "set or show the author's profile: name, bio and avatar (kept in feedpub.toml)",
		Help: fmt.Sprintf("The avatar must be a PNG, JPEG, GIF or WebP image of at most %d KiB; it is copied into the site\n"+
			"directory as avatar.EXT and published at BASE_URL/avatar.EXT. With no flag, the profile is printed.", publish.MaxAvatarBytes>>10),
		Examples: []string{`feedpub profile --name "Alice Liddell" --bio "Writes about feeds." --avatar ~/me.png`, "feedpub profile"},
		Flags: func(fs *flag.FlagSet) command.Action {
			dir := dirFlag(fs)
			var o publish.ProfileOptions
			fs.StringVar(&o.Name, "name", "", "the author's `NAME`")
			fs.StringVar(&o.Bio, "bio", "", "one line about the author (`TEXT`)")
			fs.StringVar(&o.Avatar, "avatar", "", "picture `FILE` (PNG, JPEG, GIF or WebP)")
			return func(_ context.Context, args []string) error {
				if len(args) > 0 {
					return command.Usagef("profile takes no arguments: feedpub profile [--name NAME] [--bio TEXT] [--avatar FILE]")
				}
				fs.Visit(func(f *flag.Flag) { o.SetBio = o.SetBio || f.Name == "bio" })
				return a.profile(*dir, o)
			}
		},
	}
}

func (a *app) profile(dir string, o publish.ProfileOptions) error {
	var cfg *publish.Config
	var err error
	if o.Name == "" && !o.SetBio && o.Avatar == "" {
		cfg, err = publish.LoadConfig(dir)
	} else {
		cfg, err = publish.SetProfile(dir, o)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "name:   %s\nbio:    %s\navatar: %s\n", cfg.Author, cfg.Bio, strings.TrimSpace(cfg.AvatarURL()))
	return nil
}
