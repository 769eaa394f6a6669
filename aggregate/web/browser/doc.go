// Package browser holds the web view's tests in a real browser: Debian's
// chromium, driven with chromedp, against the whole `reader serve`
// (daemon, WebSub subscriber, web view) on loopback, with authors' sites
// and a hub pushing to it. They open the timeline, see a pushed post
// appear without a reload, mark read, reply from a thread, and check that
// the Content-Security-Policy stops inline script and that a POST without
// its CSRF token is refused. Without chromium they skip with one line,
// unless ROOKERY_REQUIRE_CHROMIUM=1 (set by .ci/run) makes that a failure.
//
// TestScreenshots, run by scripts/screenshots.sh, writes the README's
// pictures of the timeline.
package browser
