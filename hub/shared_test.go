package hub

import (
	"strconv"
	"testing"
	"time"

	"github.com/rookery-social/rookery/internal/pgtest"
	"github.com/rookery-social/rookery/internal/testwait"
)

// On a store shared by several hub processes, a fan-out hands over only
// what this process can start soon and leaves the rest in the store for
// any instance to claim. Those are claimed as soon as workers free up, not
// at the next idle interval (here an hour, so that a fan-out waiting for
// it never finishes): one publish to 200 subscribers through workers that
// hold 16 at a time finishes.
func TestSharedStoreClaimsTheRestOfAFanOutAsWorkersFreeUp(t *testing.T) {
	dsn := pgtest.Need(t, pgServer).DB(t)
	const n = 200
	th := startHub(t, func(c *Config) {
		c.DBPath = dsn
		c.DeliveryConcurrency, c.HostConcurrency = 4, 4
		c.IdleInterval = time.Hour
	})
	sub := newSubscriber(t)
	topic := newTopic(t, "application/atom+xml", `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>`)
	for i := range n {
		th.subscribe(t, topic.URL, sub.URL+"/cb/"+strconv.Itoa(i))
	}
	testwait.Until(t, waitLimit, "every subscription verified", func() bool {
		return th.counts(t).ActiveSubscriptions == n
	})
	th.publish(t, topic.URL)
	testwait.Until(t, waitLimit, "every subscriber to get the update", func() bool { return len(sub.got()) >= n })
	if got := len(sub.got()); got != n {
		t.Errorf("%d deliveries for %d subscribers", got, n)
	}
}
