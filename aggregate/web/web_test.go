package web_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rookery-social/rookery/aggregate"
	"github.com/rookery-social/rookery/aggregate/web"
	"github.com/rookery-social/rookery/aggregate/web/webtest"
	"github.com/rookery-social/rookery/internal/act"
	"github.com/rookery-social/rookery/internal/safehttp"
	"github.com/rookery-social/rookery/internal/testsite"
	siteact "github.com/rookery-social/rookery/publish/act"
)

// fixture is a reader following alice, its web view on loopback, and a
// browser-like client (cookies, no redirects followed).
type fixture struct {
	t      testing.TB
	r      *aggregate.Reader
	alice  *webtest.Author
	srv    *httptest.Server
	client *http.Client
}

func newFixture(t testing.TB, cfg web.Config, posts ...webtest.Post) *fixture {
	t.Helper()
	ctx := context.Background()
	r, err := aggregate.Open(ctx, filepath.Join(t.TempDir(), "reader.db"), aggregate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	alice := webtest.NewAuthor(t, "alice", "", posts...)
	if _, err := r.Follow(ctx, alice.FeedURL(), "alice", nil); err != nil {
		t.Fatal(err)
	}
	cfg.Reader = r
	if cfg.ImageClient == nil {
		cfg.ImageClient = safehttp.NewClient(safehttp.Options{AllowPrivate: true, Timeout: 5 * time.Second})
	}
	view, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(view.Handler())
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &fixture{t: t, r: r, alice: alice, srv: srv, client: client}
}

// get fetches path and returns the status and body.
func (f *fixture) get(path string) (int, string, http.Header) {
	f.t.Helper()
	resp, err := f.client.Get(f.srv.URL + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// page fetches path and fails unless it is 200.
func (f *fixture) page(path string) string {
	f.t.Helper()
	code, body, _ := f.get(path)
	if code != http.StatusOK {
		f.t.Fatalf("GET %s: %d\n%s", path, code, body)
	}
	return body
}

var tokenRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token is the CSRF token of a page the client loaded.
func (f *fixture) token() string {
	f.t.Helper()
	m := tokenRE.FindStringSubmatch(f.page("/following"))
	if m == nil {
		f.t.Fatal("no CSRF token on the page")
	}
	return m[1]
}

// post submits a form and returns the status, the Location and the body.
func (f *fixture) post(path string, form url.Values) (int, string, string) {
	f.t.Helper()
	resp, err := f.client.PostForm(f.srv.URL+path, form)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func TestTimelineShowsUnreadOnceAndPages(t *testing.T) {
	f := newFixture(t, web.Config{}, webtest.Posts(60)...)
	code, body, h := f.get("/")
	if code != 200 || !strings.Contains(body, "Post number 59") || strings.Contains(body, "Post number 9<") {
		t.Fatalf("first page: %d\n%s", code, body)
	}
	if n := strings.Count(body, `class="post unread`); n != 50 {
		t.Errorf("%d posts marked unread on the first page, want 50", n)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if !strings.Contains(body, `<main id="main"`) || !strings.Contains(body, `<nav aria-label="Main">`) {
		t.Error("the page lacks its landmarks")
	}
	next := regexp.MustCompile(`rel="next" href="([^"]+)"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no link to the next page")
	}
	older := f.page(strings.ReplaceAll(next[1], "&amp;", "&"))
	if !strings.Contains(older, "Post number 9<") || strings.Contains(older, "Post number 10<") {
		t.Errorf("second page does not start after the first:\n%s", older)
	}
	// Both pages were shown: nothing is unread now.
	if again := f.page("/"); strings.Contains(again, `class="post unread`) {
		t.Error("posts shown once are still unread")
	}
	if unread := f.page("/?unread=1"); !strings.Contains(unread, "No unread posts.") {
		t.Errorf("unread page:\n%s", unread)
	}
}

func TestMarkAllReadNeedsCSRF(t *testing.T) {
	f := newFixture(t, web.Config{}, webtest.Posts(3)...)
	last, _ := f.r.LastArrival(context.Background())
	form := url.Values{"upto": {"999"}}
	if code, _, _ := f.post("/read", form); code != http.StatusForbidden {
		t.Errorf("POST without a CSRF token: %d, want 403", code)
	}
	form.Set("csrf", "forged")
	if code, _, _ := f.post("/read", form); code != http.StatusForbidden {
		t.Errorf("POST with a wrong CSRF token: %d, want 403", code)
	}
	if n, _ := f.r.Unread(context.Background(), 0); n != 3 {
		t.Fatalf("refused POSTs changed state: %d unread", n)
	}
	form.Set("csrf", f.token())
	form.Set("upto", strconv.FormatInt(last, 10))
	form.Set("back", "https://evil.example/")
	code, loc, _ := f.post("/read", form)
	if code != http.StatusSeeOther || loc != "/" {
		t.Errorf("mark read: %d to %q, want 303 to / (never another site)", code, loc)
	}
	if n, _ := f.r.Unread(context.Background(), 0); n != 0 {
		t.Errorf("%d unread after mark all read", n)
	}
	if code, _, _ := f.get("/read"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /read: %d, want 405 (changes are POSTs)", code)
	}
}

// Remote content is sanitized again, and images go through the proxy.
func TestContentIsSanitizedAndImagesProxied(t *testing.T) {
	img := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cat.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(png)
		case "/big.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(append(png, make([]byte, 4096)...))
		case "/x.svg":
			w.Header().Set("Content-Type", "image/svg+xml")
			io.WriteString(w, `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
		}
	}))
	defer img.Close()
	hostile := `<p>hello<script>alert(1)</script><img src="` + img.URL + `/cat.png" onerror="alert(2)" alt="a cat"></p>` +
		`<img src="` + img.URL + `/big.png"><img src="` + img.URL + `/x.svg"><a href="javascript:alert(3)">x</a>`
	f := newFixture(t, web.Config{MaxImageBytes: 1024}, webtest.Post{Key: "h", HTML: hostile, Published: webtest.Epoch})
	body := f.page("/")
	for _, bad := range []string{"<script>alert", "onerror", "javascript:", `src="` + img.URL} {
		if strings.Contains(body, bad) {
			t.Errorf("the page carries %q", bad)
		}
	}
	srcs := regexp.MustCompile(`<img[^>]* src="(/img\?[^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(srcs) != 3 {
		t.Fatalf("%d proxied images, want 3:\n%s", len(srcs), body)
	}
	want := map[int]int{0: 200, 1: 502, 2: 502} // the cat, too big, SVG
	for i, m := range srcs {
		code, got, h := f.get(strings.ReplaceAll(m[1], "&amp;", "&"))
		if code != want[i] {
			t.Errorf("image %d: %d, want %d", i, code, want[i])
		}
		if code == 200 && (got != string(png) || h.Get("Content-Type") != "image/png") {
			t.Errorf("image %d: %q %q", i, h.Get("Content-Type"), got)
		}
	}
	// The proxy fetches only what the pages link to.
	if code, _, _ := f.get("/img?u=" + url.QueryEscape(img.URL+"/cat.png") + "&s=forged"); code != http.StatusForbidden {
		t.Errorf("unsigned image URL: %d, want 403", code)
	}
}

// png is a 1×1 PNG.
var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

func TestImagesOff(t *testing.T) {
	f := newFixture(t, web.Config{Images: web.ImagesOff},
		webtest.Post{Key: "i", HTML: `<p><img src="https://img.example/cat.png" alt="a cat"></p>`, Published: webtest.Epoch})
	body := f.page("/")
	if strings.Contains(body, "<img") || !strings.Contains(body, `href="https://img.example/cat.png">[image: a cat]</a>`) {
		t.Errorf("with images off:\n%s", body)
	}
	if code, _, _ := f.get("/img?u=x&s=y"); code != http.StatusNotFound {
		t.Errorf("the proxy answers with images off: %d", code)
	}
}

func TestSecretGuardsTheViewOnly(t *testing.T) {
	f := newFixture(t, web.Config{Secret: "s3cret"}, webtest.Posts(1)...)
	if code, _, h := f.get("/"); code != http.StatusSeeOther || h.Get("Location") != "/login" {
		t.Fatalf("GET / without logging in: %d to %q", code, h.Get("Location"))
	}
	for _, path := range []string{"/events", "/img?u=x&s=y"} {
		if code, _, _ := f.get(path); code != http.StatusUnauthorized {
			t.Errorf("GET %s without logging in: %d, want 401", path, code)
		}
	}
	login := f.page("/login")
	tok := tokenRE.FindStringSubmatch(login)[1]
	if code, _, body := f.post("/login", url.Values{"csrf": {tok}, "secret": {"guess"}}); code != http.StatusUnauthorized || !strings.Contains(body, "not the secret") {
		t.Errorf("a wrong secret: %d", code)
	}
	if code, _, _ := f.post("/login", url.Values{"secret": {"s3cret"}}); code != http.StatusForbidden {
		t.Errorf("a login without CSRF token: %d, want 403", code)
	}
	if code, loc, _ := f.post("/login", url.Values{"csrf": {tok}, "secret": {"s3cret"}}); code != http.StatusSeeOther || loc != "/" {
		t.Fatalf("login: %d to %q", code, loc)
	}
	if body := f.page("/"); !strings.Contains(body, "Post number 0") {
		t.Errorf("timeline after login:\n%s", body)
	}
}

// A post stored while a timeline is open arrives as an event with its
// HTML, at once.
func TestEventsStreamArrivals(t *testing.T) {
	f := newFixture(t, web.Config{}, webtest.Posts(2)...)
	last, _ := f.r.LastArrival(context.Background())
	req, _ := http.NewRequest("GET", f.srv.URL+"/events?after="+strconv.FormatInt(last, 10), nil)
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events: %s", ct)
	}
	lines := bufio.NewScanner(resp.Body)
	lines.Scan() // retry:
	post := webtest.Post{Key: "live", HTML: "<p>Pushed just now</p>", Published: webtest.Epoch.Add(time.Hour)}
	if _, err := f.r.Ingest(context.Background(), f.alice.FeedURL(), "application/atom+xml", f.alice.FeedOf(post)); err != nil {
		t.Fatal(err)
	}
	var event []string
	for lines.Scan() {
		if lines.Text() == "" && len(event) > 0 {
			break
		}
		if lines.Text() != "" {
			event = append(event, lines.Text())
		}
	}
	got := strings.Join(event, "\n")
	if !strings.HasPrefix(got, "id: ") || !strings.Contains(got, "event: posts") || !strings.Contains(got, "<p>Pushed just now</p>") {
		t.Errorf("event:\n%s", got)
	}
}

// Opening a thread and replying writes the reply into the site.
func TestReplyWritesThePostFile(t *testing.T) {
	dir := testsite.Write(t, testsite.Config("https://me.example/", ""))
	f := newFixture(t, web.Config{Site: siteact.Open(act.Config{Dir: dir})}, webtest.Posts(2)...)
	key := f.alice.ID("p001")
	body := f.page("/thread?id=" + url.QueryEscape(key))
	if !strings.Contains(body, "Post number 1") || !strings.Contains(body, `<label for="text">Your reply</label>`) {
		t.Fatalf("thread page:\n%s", body)
	}
	tok := tokenRE.FindStringSubmatch(body)[1]
	code, _, done := f.post("/compose", url.Values{"csrf": {tok}, "kind": {"reply"}, "target": {key}, "text": {"Nice one, Alice"}})
	if code != 200 || !strings.Contains(done, "is written to") {
		t.Fatalf("reply: %d\n%s", code, done)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "posts", "*.md"))
	if len(files) != 1 {
		t.Fatalf("post files: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "Nice one, Alice") || !strings.Contains(string(b), f.alice.PostURL("p001")) {
		t.Errorf("the reply's file:\n%s", b)
	}
}

func TestComposeWithoutSiteSaysHow(t *testing.T) {
	f := newFixture(t, web.Config{}, webtest.Posts(1)...)
	if body := f.page("/compose"); !strings.Contains(body, `site = &#34;/path/to/site&#34;`) {
		t.Errorf("compose without a site:\n%s", body)
	}
	code, _, body := f.post("/act", url.Values{"csrf": {f.token()}, "kind": {"like"}, "target": {f.alice.ID("p000")}})
	if code != http.StatusConflict || !strings.Contains(body, "no feedpub site is configured") {
		t.Errorf("like without a site: %d\n%s", code, body)
	}
}

func TestFollowingBlocksSearchNotificationsAuthor(t *testing.T) {
	f := newFixture(t, web.Config{}, webtest.Post{Key: "g", HTML: "<p>gophers everywhere</p>", Published: webtest.Epoch, Tags: []string{"go"}})
	if body := f.page("/following"); !strings.Contains(body, "@alice") || !strings.Contains(body, `1<span class="sr"> unread</span>`) {
		t.Errorf("following:\n%s", body)
	}
	bob := webtest.NewAuthor(t, "bob", "", webtest.Post{Key: "b", HTML: "<p>bob here</p>", Published: webtest.Epoch})
	tok := f.token()
	if code, loc, body := f.post("/follow", url.Values{"csrf": {tok}, "url": {bob.FeedURL()}, "nick": {"bob"}}); code != http.StatusSeeOther || loc != "/following" {
		t.Fatalf("follow: %d %q\n%s", code, loc, body)
	}
	if body := f.page("/"); !strings.Contains(body, "bob here") {
		t.Error("bob's post is not in the timeline after following him")
	}
	if code, _, _ := f.post("/block", url.Values{"csrf": {tok}, "value": {"bob"}}); code != http.StatusSeeOther {
		t.Fatalf("block: %d", code)
	}
	if body := f.page("/blocks"); !strings.Contains(body, "blocked feed") {
		t.Errorf("blocks:\n%s", body)
	}
	if body := f.page("/"); strings.Contains(body, "bob here") {
		t.Error("a blocked author's post is shown")
	}
	if body := f.page("/search?q=gophers"); !strings.Contains(body, "gophers everywhere") {
		t.Errorf("search:\n%s", body)
	}
	if body := f.page("/notifications"); !strings.Contains(body, "reader init --me") {
		t.Errorf("notifications without me:\n%s", body)
	}
	if body := f.page("/author?feed=" + url.QueryEscape(f.alice.FeedURL())); !strings.Contains(body, "gophers everywhere") || !strings.Contains(body, "Unfollow") {
		t.Errorf("author page:\n%s", body)
	}
	if code, _, _ := f.post("/unfollow", url.Values{"csrf": {tok}, "feed": {"alice"}}); code != http.StatusSeeOther {
		t.Errorf("unfollow: %d", code)
	}
	if body := f.page("/following"); strings.Contains(body, "@alice") {
		t.Error("alice still followed")
	}
}

func TestNotifications(t *testing.T) {
	f := newFixture(t, web.Config{}, webtest.Posts(1)...)
	ctx := context.Background()
	if err := f.r.SetMe(ctx, f.alice.FeedURL()); err != nil {
		t.Fatal(err)
	}
	bob := webtest.NewAuthor(t, "bob", "", webtest.Post{Key: "r", HTML: "<p>Good point, <b>Alice</b></p>",
		Published: webtest.Epoch.Add(time.Hour), Reply: f.alice.Reply("p000")})
	if _, err := f.r.Follow(ctx, bob.FeedURL(), "bob", nil); err != nil {
		t.Fatal(err)
	}
	body := f.page("/notifications")
	if !strings.Contains(body, "<strong>bob</strong> replied to") || !strings.Contains(body, "Good point, Alice") {
		t.Errorf("notifications:\n%s", body)
	}
}
