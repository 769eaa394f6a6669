package hub

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/internal/testwait"
)

const rssDoc = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><guid>1</guid></item></channel></rss>`

// cloudPost sends an rssCloud request and decodes the XML reply.
func (th *testHub) cloudPost(t *testing.T, path string, form url.Values) (int, cloudReply) {
	t.Helper()
	resp, err := http.PostForm(th.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Fatalf("POST /%s: Content-Type %q, want text/xml: %s", path, ct, body)
	}
	var x struct {
		XMLName xml.Name
		Success string `xml:"success,attr"`
		Msg     string `xml:"msg,attr"`
	}
	if err := xml.Unmarshal(body, &x); err != nil {
		t.Fatalf("POST /%s: reply is not XML: %v: %s", path, err, body)
	}
	want := map[string]string{"pleaseNotify": "notifyResult", "ping": "result"}[path]
	if x.XMLName.Local != want {
		t.Fatalf("POST /%s: reply element <%s>, want <%s>", path, x.XMLName.Local, want)
	}
	return resp.StatusCode, cloudReply{Success: x.Success == "true", Msg: x.Msg}
}

// cloudSubscriber is a subscriber that answers rssCloud challenges.
func cloudSubscriber(t *testing.T) (*subscriber, string, string) {
	s := newSubscriber(t)
	s.setVerify(func(q url.Values) (int, string) { return http.StatusOK, q.Get("challenge") })
	u, _ := url.Parse(s.URL)
	host, port, _ := net.SplitHostPort(u.Host)
	return s, host, port
}

// A registration with a domain is checked with a challenge GET; a ping then
// fetches the feed once and tells both the WebSub and the rssCloud
// subscriber.
func TestRSSCloudPleaseNotifyAndPing(t *testing.T) {
	th := startHub(t, nil)
	feed := newTopic(t, "application/rss+xml", rssDoc)
	topic := feed.URL + "/feed.rss"
	cloud, host, port := cloudSubscriber(t)
	callback := "http://" + host + ":" + port + "/rsscloud/notify"

	code, reply := th.cloudPost(t, "pleaseNotify", url.Values{"domain": {host}, "port": {port},
		"path": {"/rsscloud/notify"}, "registerProcedure": {""}, "protocol": {"http-post"}, "url1": {topic}})
	if code != http.StatusOK || !reply.Success || !strings.Contains(reply.Msg, "expire in 25") {
		t.Fatalf("pleaseNotify: %d %+v", code, reply)
	}
	v := cloud.verifications()
	if len(v) != 1 || v[0].Path != "/rsscloud/notify" || v[0].Query().Get("url") != topic {
		t.Fatalf("challenge GETs: %v", v)
	}
	view := th.state(t, topic, callback)
	if view.State != "active" || view.Protocol != store.ProtocolRSSCloud || view.LeaseSeconds != 25*3600 ||
		len(view.Verifications) != 1 || view.Verifications[0].Mode != "pleaseNotify" {
		t.Fatalf("status page: %+v", view)
	}

	ws := newSubscriber(t)
	th.subscribe(t, topic, ws.URL+"/cb")
	testwait.Until(t, waitLimit, "the WebSub subscription", func() bool { return th.state(t, topic, ws.URL+"/cb").State == "active" })
	before := len(feed.fetches())

	code, reply = th.cloudPost(t, "ping", url.Values{"url": {topic}})
	if code != http.StatusOK || !reply.Success || reply.Msg != cloudPinged {
		t.Fatalf("ping: %d %+v", code, reply)
	}
	th.settled(t, topic, callback, 1)
	th.settled(t, topic, ws.URL+"/cb", 1)
	if n := len(feed.fetches()) - before; n != 1 {
		t.Fatalf("the ping fetched the feed %d times, want once", n)
	}
	notes := cloud.gotOn("/rsscloud/notify")
	if len(notes) != 1 || string(notes[0].Body) != "url="+url.QueryEscape(topic) ||
		notes[0].Header.Get("Content-Type") != "application/x-www-form-urlencoded" || notes[0].Header.Get("X-Hub-Signature") != "" {
		t.Fatalf("rssCloud notify: %+v", notes)
	}
	if got := ws.gotOn("/cb"); len(got) != 1 || string(got[0].Body) != rssDoc {
		t.Fatalf("WebSub delivery: %+v", got)
	}
	_, metrics := th.get(t, "/metrics")
	for _, want := range []string{`hub_rsscloud_requests_total{procedure="ping",result="success"} 1`,
		`hub_rsscloud_notifications_total{result="ok"} 1`, `hub_rsscloud_subscriptions_active 1`,
		`hub_verifications_total{mode="pleaseNotify",result="verified"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// Without a domain the hub tests the handler with a notify POST at the
// address the request came from, and answers JSON when asked.
func TestRSSCloudPleaseNotifyAtRequester(t *testing.T) {
	th := startHub(t, nil)
	feed := newTopic(t, "application/atom+xml", `<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>`)
	cloud, _, port := cloudSubscriber(t)
	form := url.Values{"port": {port}, "path": {"notify"}, "protocol": {"http-post"}, "url1": {feed.URL + "/a"}}
	req, _ := http.NewRequest(http.MethodPost, th.URL+"pleaseNotify", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reply cloudReply
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil || !reply.Success {
		t.Fatalf("JSON reply %+v (%v)", reply, err)
	}
	if notes := cloud.gotOn("/notify"); len(notes) != 1 || string(notes[0].Body) != "url="+url.QueryEscape(feed.URL+"/a") {
		t.Fatalf("test notification: %+v", notes)
	}
	if st := th.state(t, feed.URL+"/a", "http://127.0.0.1:"+port+"/notify"); st.State != "active" {
		t.Fatalf("subscription at the requesting address: %+v", st)
	}
}

// Bad requests get rssCloud replies that say what is wrong.
func TestRSSCloudBadInput(t *testing.T) {
	th := startHub(t, nil)
	feed := newTopic(t, "application/rss+xml", rssDoc)
	page := newTopic(t, "text/html", "<!doctype html><html><body>hi</body></html>")
	cloud, host, port := cloudSubscriber(t)
	dead := closedPort(t)
	base := func(extra ...string) url.Values {
		f := url.Values{"domain": {host}, "port": {port}, "path": {"/n"}, "protocol": {"http-post"}, "url1": {feed.URL}}
		for i := 0; i+1 < len(extra); i += 2 {
			if extra[i+1] == "" {
				f.Del(extra[i])
			} else {
				f.Set(extra[i], extra[i+1])
			}
		}
		return f
	}
	for _, c := range []struct {
		name string
		form url.Values
		want string
	}{
		{"missing", url.Values{"url1": {feed.URL}}, "missing from the request body: port, path, protocol"},
		{"no url", base("url1", ""), "missing from the request body: url1"},
		{"xml-rpc", base("protocol", "xml-rpc"), "xml-rpc, is not supported by this hub"},
		{"bad protocol", base("protocol", "carrier-pigeon"), "carrier-pigeon, is unsupported"},
		{"bad port", base("port", "99999"), "is not a port number"},
		{"bad domain", base("domain", "evil.example/x?"), "is not a host name"},
		{"bad url", base("url1", "ftp://x/"), "is not an absolute http or https URL"},
		{"not a feed", base("url1", page.URL), "error reading the resource at URL " + page.URL + ": it is not a feed"},
		{"handler down", base("port", dead), "the call failed when we tested the handler at http://" + host + ":" + dead + "/n"},
	} {
		code, reply := th.cloudPost(t, "pleaseNotify", c.form)
		if code != http.StatusOK || reply.Success || !strings.Contains(reply.Msg, c.want) {
			t.Errorf("%s: %d %+v, want a failure saying %q", c.name, code, reply, c.want)
		}
	}
	cloud.setVerify(func(url.Values) (int, string) { return http.StatusOK, "not the challenge" })
	if _, reply := th.cloudPost(t, "pleaseNotify", base()); reply.Success || !strings.Contains(reply.Msg, "did not echo the challenge") {
		t.Errorf("wrong challenge: %+v", reply)
	}
	if st := th.state(t, feed.URL, "http://"+host+":"+port+"/n"); st.State != "none" || len(st.Verifications) != 1 ||
		st.Verifications[0].State != store.VerifyFailed {
		t.Errorf("status page after a failed registration: %+v", st)
	}
	if _, reply := th.cloudPost(t, "ping", url.Values{}); reply.Success || !strings.Contains(reply.Msg, "missing from the request body: url") {
		t.Errorf("ping without url: %+v", reply)
	}
	if _, reply := th.cloudPost(t, "ping", url.Values{"url": {page.URL}}); reply.Success || !strings.Contains(reply.Msg, "it is not a feed") {
		t.Errorf("ping of a page: %+v", reply)
	}
}

// A ping of a subscribed feed that turned into something else says so; the
// WebSub subscribers still get the content (WebSub topics may be anything).
func TestRSSCloudPingNotAFeed(t *testing.T) {
	th := startHub(t, nil)
	feed := newTopic(t, "application/rss+xml", rssDoc)
	_, host, port := cloudSubscriber(t)
	if _, reply := th.cloudPost(t, "pleaseNotify", url.Values{"domain": {host}, "port": {port}, "path": {"/n"},
		"protocol": {"http-post"}, "url1": {feed.URL}}); !reply.Success {
		t.Fatal(reply)
	}
	feed.set("<html>oops</html>", "")
	if _, reply := th.cloudPost(t, "ping", url.Values{"url": {feed.URL}}); reply.Success || !strings.Contains(reply.Msg, "its root element is <html>") {
		t.Fatalf("ping: %+v", reply)
	}
	feed.Close()
	if _, reply := th.cloudPost(t, "ping", url.Values{"url": {feed.URL}}); reply.Success || !strings.Contains(reply.Msg, "error reading the resource") {
		t.Fatalf("ping of a feed that does not answer: %+v", reply)
	}
}

// A subscriber answering 410 to a notify ends its registration; others
// are retried like WebSub deliveries.
func TestRSSCloudNotifyGone(t *testing.T) {
	th := startHub(t, nil)
	feed := newTopic(t, "application/rss+xml", rssDoc)
	cloud, host, port := cloudSubscriber(t)
	cloud.deliver = func(int, *http.Request) int { return http.StatusGone }
	callback := fmt.Sprintf("http://%s:%s/n", host, port)
	if _, reply := th.cloudPost(t, "pleaseNotify", url.Values{"domain": {host}, "port": {port}, "path": {"/n"},
		"protocol": {"http-post"}, "url1": {feed.URL}}); !reply.Success {
		t.Fatal(reply)
	}
	th.cloudPost(t, "ping", url.Values{"url": {feed.URL}})
	testwait.Until(t, waitLimit, "the registration to end", func() bool { return th.state(t, feed.URL, callback).State == store.StateGone })
}

// closedPort is a loopback port nobody listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}
