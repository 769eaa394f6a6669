package cli_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// reader serve reached through a public --url (a proxy or a tunnel)
// prints a secret, and its web view asks for it before anything, while
// the push and Webmention endpoints stay open.
func TestServeWebViewAsksForTheSecret(t *testing.T) {
	e := newEnv(t)
	cmd := exec.Command(readerBin, "serve", "--addr", "127.0.0.1:0", "--url", "http://reader.example.org", "--db", e.db)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(t.TempDir(), "config"), "READER_CONFIG=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var local, secret string
	deadline := time.After(20 * time.Second)
	for local == "" || secret == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("reader serve ended early")
			}
			if m := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(line); m != nil {
				local = m[1]
			}
			if m := regexp.MustCompile(`asks for this secret once per browser: (\S+)`).FindStringSubmatch(line); m != nil {
				secret = m[1]
			}
		case <-deadline:
			t.Fatalf("no address and secret printed within 20s (address %q)", local)
		}
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		resp, err := c.Get(local + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/"); code != http.StatusSeeOther {
		t.Errorf("GET / before logging in: %d, want 303 to the login page", code)
	}
	for _, open := range []string{"/webmention", "/healthz"} {
		if code, _ := get(open); code != http.StatusOK {
			t.Errorf("GET %s: %d, want 200 (not behind the login)", open, code)
		}
	}
	_, login := get("/login")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(login)
	if m == nil {
		t.Fatalf("login page:\n%s", login)
	}
	resp, err := c.PostForm(local+"/login", url.Values{"csrf": {m[1]}, "secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, body := get("/"); code != http.StatusOK || !strings.Contains(body, "No posts yet") {
		t.Errorf("GET / after logging in: %d\n%s", code, body)
	}
}
