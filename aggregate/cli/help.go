package cli

import "github.com/rookery-social/rookery/internal/command"

// commandHelp is what a command's help shows beyond its synopsis and flags.
type commandHelp struct {
	args     []command.Arg
	examples []string
}

var (
	feedArg  = command.Arg{Name: "NICK|URL", Help: "a followed feed, by its nick or its URL"}
	ruleArg  = command.Arg{Name: "NICK|URL|DOMAIN", Help: "an author (nick or feed URL) or a whole domain"}
	muteArg  = command.Arg{Name: "WORD|#TAG", Help: "a word (or words) or a #tag"}
	postArg  = command.Arg{Name: "ID|URL", Help: "a stored post, by its atom:id or its permalink"}
	textArg  = command.Arg{Name: "TEXT...", Help: "your words (Markdown)"}
	queryArg = command.Arg{Name: "QUERY", Help: "#tag, @FEED_URL (mentions of and replies to that feed), or words (all of them)"}
)

// help holds each built-in command's positional arguments and examples.
var help = map[string]commandHelp{
	"init":          {nil, []string{"reader init --me https://alice.example/feed.atom"}},
	"follow":        {[]command.Arg{{Name: "URL", Help: "a feed, or a page that links to its feed"}}, []string{"reader follow https://bob.example/ --nick bob"}},
	"unfollow":      {[]command.Arg{feedArg}, []string{"reader unfollow bob"}},
	"following":     {nil, []string{"reader following", "reader following --json"}},
	"fetch":         {[]command.Arg{{Name: "[NICK|URL]", Help: "one followed feed (default: all of them)"}}, []string{"reader fetch", "reader fetch bob"}},
	"timeline":      {nil, []string{"reader timeline -n 20 --since 7d", "reader timeline --unread", "reader timeline --from bob --json", "reader timeline --before 4711.1924992000"}},
	"read":          {[]command.Arg{{Name: "ID|URL...", Help: "posts, by atom:id or permalink"}}, []string{"reader read https://alice.example/posts/k3j2m4n5p6/", "reader read --all", "reader read --before 7d"}},
	"thread":        {[]command.Arg{{Name: "ID|URL", Help: "a post's atom:id or its permalink"}}, []string{"reader thread https://alice.example/posts/k3j2m4n5p6/"}},
	"mentions":      {nil, []string{"reader mentions", "reader mentions --since 2026-01-02", "reader mentions --before 4711.1924992000"}},
	"search":        {[]command.Arg{{Name: "QUERY", Help: "words to find (all of them)"}}, []string{`reader search "static site" --rank -n 5 --json`, `reader search gopher --before 4711.1924992000`}},
	"block":         {[]command.Arg{ruleArg}, []string{"reader block spam.example"}},
	"unblock":       {[]command.Arg{ruleArg}, []string{"reader unblock spam.example"}},
	"mute":          {[]command.Arg{muteArg}, []string{"reader mute '#spoilers'"}},
	"unmute":        {[]command.Arg{muteArg}, []string{"reader unmute '#spoilers'"}},
	"blocks":        {nil, []string{"reader blocks"}},
	"import":        {[]command.Arg{{Name: "FILE.opml", Help: "an OPML subscription list"}}, []string{"reader import subscriptions.opml", "reader import --no-fetch everything.opml"}},
	"export":        {nil, []string{"reader export > subscriptions.opml", "reader export --all > everything.opml"}},
	"serve":         {nil, []string{"reader serve --addr 127.0.0.1:7070 --url https://reader.alice.example"}},
	"track":         {[]command.Arg{queryArg}, []string{"reader track '#golang' --hub https://hub.example/", "reader track static site"}},
	"untrack":       {[]command.Arg{queryArg}, []string{"reader untrack '#golang'"}},
	"tracking":      {nil, []string{"reader tracking"}},
	"tracked":       {[]command.Arg{{Name: "[QUERY]", Help: "one tracked query (default: all of them)"}}, []string{"reader tracked '#golang' -n 20", "reader tracked --before 812.0"}},
	"notifications": {nil, []string{"reader notifications", "reader notifications --since 1d --json", "reader notifications --before 4711.1924992000"}},
	"profile":       {[]command.Arg{{Name: "NICK|URL", Help: "a stored feed, by its nick or its URL"}}, []string{"reader profile bob", "reader profile https://bob.example/feed.atom --json"}},
	"reply":         {[]command.Arg{postArg, textArg}, []string{`reader reply https://bob.example/posts/x7y8/ "Agreed!"`, `reader reply tag:bob.example,2026:posts/x7y8 "Later" --no-publish`}},
	"quote":         {[]command.Arg{postArg, textArg}, []string{`reader quote https://bob.example/posts/x7y8/ "Worth reading"`}},
	"repost":        {[]command.Arg{postArg}, []string{"reader repost https://bob.example/posts/x7y8/"}},
	"like":          {[]command.Arg{postArg}, []string{"reader like https://bob.example/posts/x7y8/ --no-publish"}},
}
