package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/rookery-social/rookery/aggregate"
)

// verbCommands are the commands about what others do to my posts and who
// they are: notifications and profiles.
func verbCommands() map[string]Command {
	return map[string]Command{
		"notifications": {"notifications [-n 50] [--since TIME] [--before CURSOR] [--json]",
			"what others did to your posts, newest first: replies, mentions, quotes, reposts, likes", runNotifications,
			listFlags(50, false, false)},
		"profile": {"profile NICK|URL [--json]", "a person's name, bio, avatar, feed, posts stored and newest post", runProfile, nil},
	}
}

var notificationVerb = map[string]string{
	aggregate.KindReply: "replied to", aggregate.KindMention: "mentioned you in", aggregate.KindQuote: "quoted",
	aggregate.KindRepost: "reposted", aggregate.KindLike: "liked",
}

func runNotifications(ctx context.Context, a *App, c *Call) error {
	if err := c.want(0, 0, "notifications [-n 50] [--since TIME] [--before CURSOR]"); err != nil {
		return err
	}
	o, err := c.list()
	if err != nil {
		return err
	}
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		ns, err := r.NotificationsPage(ctx, o)
		if err != nil {
			return err
		}
		if c.JSON {
			return a.json(ns)
		}
		if len(ns) == 0 {
			fmt.Fprintln(a.Stderr, "no notifications")
		}
		for _, n := range ns {
			target := n.Target
			if n.Kind == aggregate.KindMention {
				target = "a post"
			}
			fmt.Fprintf(a.Stdout, "%s  %s %s %s\n", shortTime(n.Published), safe(n.Author), notificationVerb[n.Kind], safe(target))
			fmt.Fprintf(a.Stdout, "    %s\n", safe(n.URL))
		}
		return nil
	})
}

func runProfile(ctx context.Context, a *App, c *Call) error {
	if err := c.want(1, 1, "profile NICK|URL"); err != nil {
		return err
	}
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		p, err := r.Profile(ctx, c.Args[0])
		if err != nil {
			return err
		}
		if c.JSON {
			return a.json(p)
		}
		fmt.Fprintf(a.Stdout, "%s\n", safe(p.Name))
		if p.Nick != "" {
			fmt.Fprintf(a.Stdout, "  @%s%s\n", safe(p.Nick), map[bool]string{true: " (following)", false: ""}[p.Following])
		}
		for _, f := range [][2]string{{"bio", p.Bio}, {"avatar", p.Avatar}, {"feed", p.Feed}, {"site", p.Site}} {
			if f[1] != "" {
				fmt.Fprintf(a.Stdout, "  %-7s %s\n", f[0]+":", safe(f[1]))
			}
		}
		fmt.Fprintf(a.Stdout, "  posts:  %d stored\n", p.Posts)
		if p.Newest != nil {
			fmt.Fprintln(a.Stdout, "  newest:")
			np := *p.Newest
			np.Depth = 1
			a.printPost(np)
		}
		return nil
	})
}

// printCited prints, under a repost or quote, the line saying who
// reposted it, or the quoted post indented.
func (a *App) printCited(p aggregate.Post, indent string) {
	if p.Original == nil || p.Kind != aggregate.KindQuote || p.Original.Deleted {
		return // a deleted original is named in the quote's own text
	}
	o := *p.Original
	o.Depth = p.Depth + 1
	o.Original = nil
	a.printPost(o)
}

// repostLine is the line above a reposted post.
func repostLine(p aggregate.Post) string {
	if len(p.RepostedBy) == 0 {
		return ""
	}
	by := make([]string, len(p.RepostedBy))
	for i, n := range p.RepostedBy {
		by[i] = safe(n)
	}
	return "♻ reposted by " + strings.Join(by, ", ")
}
