package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/opml"
	"github.com/rookery-social/rookery/aggregate/track"
)

func stringFlag(name, usage string) func(*flag.FlagSet) {
	return func(fs *flag.FlagSet) { fs.String(name, "", usage) }
}

// listFlags declares -n (default n), --since, --before and, with from,
// --from.
func listFlags(n int, from, rank bool) func(*flag.FlagSet) {
	return func(fs *flag.FlagSet) {
		fs.Var(&count{n}, "n", "`number` of posts to show (1 or more)")
		fs.String("since", "", "only posts published since TIME (RFC 3339, YYYY-MM-DD, or a duration like 24h or 7d)")
		fs.String("before", "", "the next page: the posts after the one whose cursor is CURSOR (in --json)")
		if from {
			fs.String("from", "", "only posts of this nick or feed URL")
		}
		if rank {
			fs.Bool("rank", false, "order by relevance (BM25) instead of newest first")
		}
	}
}

func (c *Call) str(name string) string { return c.Flags.Lookup(name).Value.String() }

func (c *Call) num(name string) int {
	n, _ := strconv.Atoi(c.str(name))
	return n
}

func (c *Call) on(name string) bool { return c.str(name) == "true" }

func (c *Call) since() (time.Time, error) {
	return parseSince(c.str("since"), c.now())
}

// before is --before CURSOR.
func (c *Call) before() (aggregate.Cursor, error) {
	cur, err := aggregate.ParseCursor(c.str("before"))
	if err != nil {
		return cur, usagef("--before: %v", err)
	}
	return cur, nil
}

// list is the paging of a listing: -n, --since and --before.
func (c *Call) list() (aggregate.ListOptions, error) {
	since, err := c.since()
	if err != nil {
		return aggregate.ListOptions{}, err
	}
	before, err := c.before()
	if err != nil {
		return aggregate.ListOptions{}, err
	}
	return aggregate.ListOptions{Limit: c.num("n"), Since: since, Before: before}, nil
}

// want checks the number of positional arguments.
func (c *Call) want(min, max int, usage string) error {
	if len(c.Args) < min || len(c.Args) > max {
		return usagef("usage: reader %s", usage)
	}
	return nil
}

// withReader opens the database, runs fn and closes it.
func (a *App) withReader(ctx context.Context, c *Call, fn func(*aggregate.Reader) error) error {
	r, err := a.open(ctx, c)
	if err != nil {
		return err
	}
	defer r.Close()
	return fn(r)
}

func builtins() map[string]Command {
	cmds := map[string]Command{
		"init": {"init --me FEED_URL", "say who you are (your feed URL), for mentions and replies", runInit,
			stringFlag("me", "my feed URL")},
		"follow": {"follow URL [--nick NICK]", "follow a feed, or the feed a page links to; backfill its archives", runFollow,
			stringFlag("nick", "the name to show and to refer to the feed by")},
		"unfollow":  {"unfollow NICK|URL", "stop following a feed", runUnfollow, nil},
		"following": {"following [--json]", "list followed feeds with their fetch state and push state (subscribed, pending, refused, none) and why", runFollowing, nil},
		"fetch":     {"fetch [NICK|URL] [--json]", "poll all followed feeds now, or one", runFetch, nil},
		"timeline": {"timeline [-n 50] [--since TIME] [--from NICK] [--unread] [--before CURSOR] [--json]",
			"newest posts of followed feeds (they are read once shown)", runTimeline, timelineFlags},
		"read": {"read ID|URL... | --all | --before TIME", "mark posts read: these, all, or those published before TIME", runRead,
			func(fs *flag.FlagSet) {
				fs.Bool("all", false, "mark every post read")
				fs.String("before", "", "mark the posts published before TIME read (RFC 3339, YYYY-MM-DD, or a duration back from now like 7d)")
			}},
		"thread":   {"thread ID|URL [--json]", "the conversation holding a post, as a tree", runThread, nil},
		"mentions": {"mentions [-n 50] [--since TIME] [--before CURSOR] [--json]", "posts that mention you or reply to you", runMentions, listFlags(50, false, false)},
		"search":   {"search QUERY [-n 20] [--from NICK] [--since TIME] [--rank] [--before CURSOR] [--json]", "full-text search, newest first", runSearch, listFlags(20, true, true)},
		"block":    {"block NICK|URL|DOMAIN", "hide an author or a domain everywhere and stop fetching it", runBlock, nil},
		"unblock":  {"unblock NICK|URL|DOMAIN", "remove a block", runUnblock, nil},
		"mute":     {"mute WORD|#TAG", "hide posts with a word or a tag", runMute, nil},
		"unmute":   {"unmute WORD|#TAG", "remove a mute", runUnmute, nil},
		"blocks":   {"blocks [--json]", "list blocks and mutes", runBlocks, nil},
		"import": {"import FILE.opml [--no-fetch]", "follow the feeds of an OPML file and fetch them; apply the blocks, mutes, tracked queries and me that `export --all` wrote", runImport,
			func(fs *flag.FlagSet) {
				fs.Bool("no-fetch", false, "only follow the feeds; `reader fetch` or reader serve fetches them")
			}},
		"export": {"export [--all]", "write followed feeds as OPML 2.0 to stdout", runExport,
			func(fs *flag.FlagSet) {
				fs.Bool("all", false, "also write blocks, mutes, tracked queries and me (Rookery's OPML extension, docs/PROTOCOL.md): `reader import` restores them")
			}},
		"serve": serveCommand(),
	}
	for name, cmd := range trackCommands() {
		cmds[name] = cmd
	}
	for name, cmd := range verbCommands() {
		cmds[name] = cmd
	}
	for name, cmd := range actCommands() {
		cmds[name] = cmd
	}
	return cmds
}

func runInit(ctx context.Context, a *App, c *Call) error {
	if err := c.want(0, 0, "init --me FEED_URL"); err != nil {
		return err
	}
	me := c.str("me")
	if me == "" {
		return usagef("usage: reader init --me FEED_URL (your own feed's URL)")
	}
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		if err := r.SetMe(ctx, me); err != nil {
			return err
		}
		fmt.Fprintf(a.Stdout, "you are %s (database %s)\n", safe(me), c.DB)
		return nil
	})
}

func runFollow(ctx context.Context, a *App, c *Call) error {
	if err := c.want(1, 1, "follow URL [--nick NICK]"); err != nil {
		return err
	}
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		bar := a.progress("following")
		f, err := r.Follow(ctx, c.Args[0], c.str("nick"), bar.step)
		bar.done()
		if err != nil {
			return err
		}
		nudgeDaemon(ctx, r)
		if c.JSON {
			return a.json([]aggregate.FeedInfo{f})
		}
		fmt.Fprintf(a.Stdout, "following @%s: %s (%s), %s", safe(f.Nick), safe(f.URL), safe(f.Title), plural(f.Posts, "post"))
		if len(f.Hubs) > 0 {
			fmt.Fprintf(a.Stdout, ", hub %s", safe(strings.Join(f.Hubs, " ")))
		}
		fmt.Fprintln(a.Stdout)
		return nil
	})
}

func runUnfollow(ctx context.Context, a *App, c *Call) error {
	if err := c.want(1, 1, "unfollow NICK|URL"); err != nil {
		return err
	}
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		f, err := r.Unfollow(ctx, c.Args[0])
		if err != nil {
			return err
		}
		nudgeDaemon(ctx, r)
		fmt.Fprintf(a.Stdout, "unfollowed @%s (%s)\n", safe(f.Nick), safe(f.URL))
		return nil
	})
}

func runFollowing(ctx context.Context, a *App, c *Call) error {
	if err := c.want(0, 0, "following [--json]"); err != nil {
		return err
	}
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		feeds, err := r.FollowedFeeds(ctx)
		if err != nil {
			return err
		}
		list, err := withPush(ctx, r, feeds, c.now())
		if err != nil {
			return err
		}
		if list, err = withCloud(ctx, r, list, c.now()); err != nil {
			return err
		}
		if c.JSON {
			return a.json(list)
		}
		a.printFeeds(list)
		return nil
	})
}

func runFetch(ctx context.Context, a *App, c *Call) error {
	if err := c.want(0, 1, "fetch [NICK|URL]"); err != nil {
		return err
	}
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		if len(c.Args) == 1 {
			res, err := r.FetchFeed(ctx, c.Args[0])
			if c.JSON {
				return errors.Join(a.json(fetchJSON([]aggregate.FetchResult{res})), err)
			}
			a.printFetch([]aggregate.FetchResult{res})
			return err
		}
		bar := a.progress("fetching")
		res, err := r.FetchAll(ctx, bar.step)
		bar.done()
		if err != nil {
			return err
		}
		if c.JSON {
			return a.json(fetchJSON(res))
		}
		a.printFetch(res)
		return nil
	})
}

func timelineFlags(fs *flag.FlagSet) {
	listFlags(50, true, false)(fs)
	fs.Bool("unread", false, "only posts not read yet")
}

func runTimeline(ctx context.Context, a *App, c *Call) error {
	if err := c.want(0, 0, "timeline [-n 50] [--since TIME] [--from NICK] [--unread] [--before CURSOR]"); err != nil {
		return err
	}
	since, err := c.since()
	if err != nil {
		return err
	}
	before, err := c.before()
	if err != nil {
		return err
	}
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		o := aggregate.TimelineOptions{Limit: c.num("n"), Since: since, From: c.str("from"), Before: before, Unread: c.on("unread")}
		posts, err := r.Timeline(ctx, o)
		if err != nil {
			return err
		}
		empty := ""
		if len(posts) == 0 {
			if empty, err = emptyTimeline(ctx, r, o); err != nil {
				return err
			}
		}
		if err := a.posts(c, posts, empty); err != nil {
			return err
		}
		return r.MarkShown(ctx, posts)
	})
}

// emptyTimeline says why the timeline o shows nothing: no posts, or posts
// all hidden by blocks and mutes.
func emptyTimeline(ctx context.Context, r *aggregate.Reader, o aggregate.TimelineOptions) (string, error) {
	h, err := r.HiddenPosts(ctx, o)
	if err != nil {
		return "", err
	}
	switch why := hiddenBy(h); {
	case why != "":
		return "no posts to show: " + why, nil
	case o.Unread:
		return "no unread posts", nil
	case o.From != "" || !o.Since.IsZero() || !o.Before.IsZero():
		return "no posts match", nil
	default:
		return "no posts yet: `reader follow URL`, then `reader fetch`", nil
	}
}

// hiddenBy says how many posts blocks and mutes hid, and by which
// ("2 posts hidden (1 by blocks, 1 by mutes); see `reader blocks`"), or
// "" when they hid none.
func hiddenBy(h aggregate.Hidden) string {
	var by []string
	if h.Blocked > 0 {
		by = append(by, fmt.Sprintf("%d by blocks", h.Blocked))
	}
	if h.Muted > 0 {
		by = append(by, fmt.Sprintf("%d by mutes", h.Muted))
	}
	if len(by) == 0 {
		return ""
	}
	return fmt.Sprintf("%s hidden (%s); see `reader blocks`", plural(h.Blocked+h.Muted, "post"), strings.Join(by, ", "))
}

func runRead(ctx context.Context, a *App, c *Call) error {
	all, before := c.on("all"), c.str("before")
	if (len(c.Args) > 0) == (all || before != "") || all && before != "" {
		return usagef("usage: reader read ID|URL... | --all | --before TIME   (one of the three)")
	}
	t, err := parseTime("--before", before, c.now())
	if err != nil {
		return err
	}
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		var n int
		if len(c.Args) > 0 {
			n, err = r.MarkRead(ctx, c.Args...)
		} else {
			n, err = r.MarkAllRead(ctx, aggregate.ReadScope{Before: t})
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(a.Stdout, "marked %s read\n", plural(n, "post"))
		return nil
	})
}

func runThread(ctx context.Context, a *App, c *Call) error {
	if err := c.want(1, 1, "thread ID|URL"); err != nil {
		return err
	}
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		posts, err := r.Thread(ctx, c.Args[0])
		if err != nil {
			return err
		}
		return a.posts(c, posts, "")
	})
}

func runMentions(ctx context.Context, a *App, c *Call) error {
	if err := c.want(0, 0, "mentions [-n 50] [--since TIME] [--before CURSOR]"); err != nil {
		return err
	}
	o, err := c.list()
	if err != nil {
		return err
	}
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		posts, err := r.MentionsPage(ctx, o)
		if err != nil {
			return err
		}
		return a.posts(c, posts, "no mentions")
	})
}

func runSearch(ctx context.Context, a *App, c *Call) error {
	if len(c.Args) == 0 {
		return usagef("usage: reader search QUERY [-n 20] [--from NICK] [--since TIME] [--rank] [--before CURSOR]")
	}
	since, err := c.since()
	if err != nil {
		return err
	}
	before, err := c.before()
	if err != nil {
		return err
	}
	if c.on("rank") && !before.IsZero() {
		return usagef("--before pages newest-first results; it does not go with --rank")
	}
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		o := aggregate.SearchOptions{Query: strings.Join(c.Args, " "), Limit: c.num("n"),
			Since: since, From: c.str("from"), Rank: c.on("rank"), Before: before}
		posts, err := r.Search(ctx, o)
		if err != nil {
			return err
		}
		empty := ""
		if len(posts) == 0 {
			h, err := r.HiddenSearchResults(ctx, o)
			if err != nil {
				return err
			}
			empty = "nothing found"
			if why := hiddenBy(h); why != "" {
				empty += ": " + why
			}
		}
		return a.posts(c, posts, empty)
	})
}

func ruleCmd(usage string, do func(*aggregate.Reader, context.Context, string) (aggregate.Rule, error), verb string) func(context.Context, *App, *Call) error {
	return func(ctx context.Context, a *App, c *Call) error {
		if len(c.Args) == 0 {
			return usagef("usage: reader %s", usage)
		}
		return a.withReader(ctx, c, func(r *aggregate.Reader) error {
			rule, err := do(r, ctx, strings.Join(c.Args, " "))
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s %s %s\n", verb, rule.Kind, safe(rule.Value))
			return nil
		})
	}
}

var (
	runBlock   = ruleCmd("block NICK|URL|DOMAIN", (*aggregate.Reader).Block, "blocked")
	runUnblock = ruleCmd("unblock NICK|URL|DOMAIN", (*aggregate.Reader).Unblock, "unblocked")
	runMute    = ruleCmd("mute WORD|#TAG", (*aggregate.Reader).Mute, "muted")
	runUnmute  = ruleCmd("unmute WORD|#TAG", (*aggregate.Reader).Unmute, "unmuted")
)

func runBlocks(ctx context.Context, a *App, c *Call) error {
	return a.withReader(ctx, c, func(r *aggregate.Reader) error {
		rules, err := r.Rules(ctx)
		if err != nil {
			return err
		}
		if c.JSON {
			return a.json(rules)
		}
		if len(rules) == 0 {
			fmt.Fprintln(a.Stdout, "no blocks or mutes")
		}
		for _, rl := range rules {
			verb := "block"
			if rl.Kind == "word" || rl.Kind == "tag" {
				verb = "mute"
			}
			fmt.Fprintf(a.Stdout, "%-5s %-6s %s", verb, rl.Kind, safe(rl.Value))
			if rl.Nick != "" {
				fmt.Fprintf(a.Stdout, " (@%s)", safe(rl.Nick))
			}
			fmt.Fprintln(a.Stdout)
		}
		return nil
	})
}

func runImport(ctx context.Context, a *App, c *Call) error {
	if err := c.want(1, 1, "import FILE.opml [--no-fetch]"); err != nil {
		return err
	}
	f, err := os.Open(c.Args[0])
	if err != nil {
		return fmt.Errorf("unable to import OPML: %w", err)
	}
	defer f.Close()
	return a.withTracker(ctx, c, func(r *aggregate.Reader, tr *track.Tracker) error {
		got, err := r.ImportState(ctx, f)
		if err != nil {
			return err
		}
		for _, t := range got.Tracks {
			if err := tr.Add(ctx, track.Topic{Query: t.Query, Typed: t.Typed, Hub: t.Hub, Topic: t.Topic}); err != nil {
				return err
			}
		}
		var res []aggregate.FetchResult
		if !c.on("no-fetch") {
			if res, err = a.fetchImported(ctx, r, got.Feeds); err != nil {
				return err
			}
		}
		nudgeDaemon(ctx, r)
		if c.JSON {
			return a.json(got)
		}
		a.printImport(got, res, c.on("no-fetch"))
		return nil
	})
}

// fetchImported fetches the feeds an import followed, with progress.
func (a *App) fetchImported(ctx context.Context, r *aggregate.Reader, feeds []aggregate.FeedInfo) ([]aggregate.FetchResult, error) {
	urls := make([]string, 0, len(feeds))
	for _, f := range feeds {
		urls = append(urls, f.URL)
	}
	bar := a.progress("fetching")
	defer bar.done()
	return r.FetchFeeds(ctx, urls, bar.step)
}

func (a *App) printImport(got aggregate.Imported, res []aggregate.FetchResult, noFetch bool) {
	fmt.Fprintf(a.Stdout, "imported %s", plural(len(got.Feeds), "feed"))
	if len(got.Rules) > 0 {
		fmt.Fprintf(a.Stdout, ", %s", plural(len(got.Rules), "block and mute rule"))
	}
	if len(got.Tracks) > 0 {
		fmt.Fprintf(a.Stdout, ", %s", plural(len(got.Tracks), "tracked query"))
	}
	if got.Me != "" {
		fmt.Fprintf(a.Stdout, ", you are %s", safe(got.Me))
	}
	fmt.Fprintln(a.Stdout)
	if noFetch {
		fmt.Fprintln(a.Stdout, "not fetched: `reader fetch` fetches them")
		return
	}
	a.printFetch(res)
}

func runExport(ctx context.Context, a *App, c *Call) error {
	if err := c.want(0, 0, "export [--all]"); err != nil {
		return err
	}
	if !c.on("all") {
		return a.withReader(ctx, c, func(r *aggregate.Reader) error {
			return r.ExportOPML(ctx, a.Stdout)
		})
	}
	return a.withTracker(ctx, c, func(r *aggregate.Reader, tr *track.Tracker) error {
		list, err := tr.List(ctx)
		if err != nil {
			return err
		}
		tracks := make([]opml.Track, 0, len(list))
		for _, t := range list {
			tracks = append(tracks, opml.Track{Query: t.Query, Typed: t.Typed, Hub: t.Hub, Topic: t.Topic})
		}
		return r.ExportState(ctx, a.Stdout, tracks)
	})
}

// parseSince reads --since: RFC 3339, a date, or a duration back from now ("7d" ok).
func parseSince(s string, now time.Time) (time.Time, error) {
	return parseTime("--since", s, now)
}

// parseTime reads the time flag name: RFC 3339, a date, or a duration
// back from now ("7d" ok); "" is the zero time.
func parseTime(name, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil {
			return now.Add(-time.Duration(d) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, usagef("%s %q: give RFC 3339 (2026-01-02T15:04:05Z), a date (2026-01-02) or a duration (24h, 7d)", name, s)
}
