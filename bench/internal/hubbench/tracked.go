package hubbench

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/rookery-social/rookery/bench/internal/measure"
	"github.com/rookery-social/rookery/hub/store"
	"github.com/rookery-social/rookery/hub/track"
	"github.com/rookery-social/rookery/internal/websub"
)

// TrackedConfig says what the tracked-topics fan-out measures.
type TrackedConfig struct {
	Section     string   // the report section of the figures
	Subscribers int      // ordinary subscribers of the published topic
	Queries     []string // tracked queries registered in the tracking hub
	Hot         int      // how many of Queries match every publish (for the sanity check)
	Runs        int      // rounds (median of them), after one warm-up round
	Work        string   // scratch directory
	Log         io.Writer
}

// HotQueries match every version of the bench's topic (its entries speak
// of feeds, hubs and readers and link to https://example.org/): each
// publish brings new entries for each of them.
var HotQueries = []string{"feeds", "hubs readers", "@https://example.org/"}

// trackedCallbackServers serve the tracked topics' subscribers, apart from
// the ordinary ones so that they are not counted in the fan-out.
const trackedCallbackServers = 4

// TrackedFanOut compares the fan-out of one publish to the ordinary
// subscribers by four hubs, round by round in rotating order: tracking
// off, tracking on with no tracked queries, with only the cfg.Hot queries
// that match every publish, and with all cfg.Queries subscribed to (one
// subscriber each) in the hub's store.
func TrackedFanOut(ctx context.Context, cfg TrackedConfig) ([]measure.Figure, error) {
	hot := cfg.Queries[len(cfg.Queries)-cfg.Hot:]
	variants := []struct {
		name    string
		noTrack bool
		queries []string
	}{{"off", true, nil}, {"none", false, nil}, {"hot", false, hot}, {"many", false, cfg.Queries}}
	rigs := make([]*rig, len(variants))
	tcbs := make([]*callbacks, len(variants))
	for i, v := range variants {
		o := rigOptions{noTrack: v.noTrack}
		if len(v.queries) > 0 {
			tcb := newCallbacks(trackedCallbackServers)
			defer tcb.close()
			tcbs[i] = tcb
			o.before = func(ctx context.Context, dbPath, publicURL string) error {
				start := time.Now()
				defer func() {
					fmt.Fprintf(cfg.Log, "track: %d tracked subscriptions stored in %s\n", len(v.queries), time.Since(start).Round(time.Millisecond))
				}()
				return subscribeTracked(ctx, dbPath, publicURL, v.queries, tcb)
			}
		}
		g, err := newRigWith(ctx, filepath.Join(cfg.Work, "track-"+v.name+".db"), cfg.Subscribers, o)
		if err != nil {
			return nil, err
		}
		defer g.close()
		rigs[i] = g
	}
	rates := make([][]float64, len(rigs))
	for round := range cfg.Runs + 1 {
		for k := range rigs {
			i := (k + round) % len(rigs) // rotate which hub goes first
			settle()
			d, err := trackedRound(ctx, rigs[i], tcbs[i], cfg.Subscribers, cfg.Hot)
			if err != nil {
				return nil, err
			}
			if round > 0 { // the first round warms connections and caches
				rates[i] = append(rates[i], float64(cfg.Subscribers)/d.Seconds())
			}
		}
	}
	for i, g := range rigs {
		if u := g.cb.unsigned.Load(); u > 0 {
			return nil, fmt.Errorf("hubbench: %d deliveries arrived without a signature", u)
		}
		if tcbs[i] == nil {
			continue
		}
		if got, want := tcbs[i].received.Load(), int64(cfg.Hot*(cfg.Runs+1)); got != want {
			return nil, fmt.Errorf("hubbench: %d tracked deliveries arrived, want %d (%d matching queries × %d publishes)", got, want, cfg.Hot, cfg.Runs+1)
		}
	}
	perPublish := float64(tcbs[3].received.Load()) / float64(cfg.Runs+1)
	return trackedFigures(cfg, rates, perPublish), nil
}

// trackedRound is a hubRound that also waits (untimed) for the tracked
// deliveries the publish causes, so that they never overlap another round.
func trackedRound(ctx context.Context, g *rig, tcb *callbacks, n, hot int) (time.Duration, error) {
	if tcb == nil || hot == 0 {
		return hubRound(ctx, g.cb, g.tp, g.hubURL, n)
	}
	tcb.expect(hot)
	d, err := hubRound(ctx, g.cb, g.tp, g.hubURL, n)
	if err != nil {
		return d, err
	}
	if err := tcb.await(deliveryTimeout(hot)); err != nil {
		return 0, fmt.Errorf("hubbench: tracked deliveries: %w", err)
	}
	return d, nil
}

func trackedFigures(cfg TrackedConfig, rates [][]float64, perPublish float64) []measure.Figure {
	name := fmt.Sprintf("fan-out to %s subscribers", measure.Count(cfg.Subscribers))
	many := fmt.Sprintf("%s tracked queries", measure.Count(len(cfg.Queries)))
	ratio := measure.FromSummary(cfg.Section, name+": rate with "+many+" / rate with 0", "×",
		measure.Summarize(measure.Ratios(rates[3], rates[1]))).AtLeast(0.9, "≥ 0.9")
	hot := fmt.Sprintf("%d tracked queries", cfg.Hot)
	fmt.Fprintf(cfg.Log, "track: fan-out %d: ratio %.2f\n", cfg.Subscribers, ratio.Value)
	return []measure.Figure{
		measure.FromSummary(cfg.Section, name+": hub, tracking off", "deliveries/s", measure.Summarize(rates[0])),
		measure.FromSummary(cfg.Section, name+": hub, tracking on, 0 tracked queries", "deliveries/s", measure.Summarize(rates[1])),
		measure.FromSummary(cfg.Section, name+": hub, tracking on, only the "+hot+" that match every publish", "deliveries/s", measure.Summarize(rates[2])),
		measure.FromSummary(cfg.Section, name+": hub, tracking on, "+many, "deliveries/s", measure.Summarize(rates[3])),
		ratio,
		measure.FromSummary(cfg.Section, name+": rate with "+many+" / rate with the "+hot+" (same tracked deliveries)", "×",
			measure.Summarize(measure.Ratios(rates[3], rates[2]))),
		measure.FromSummary(cfg.Section, name+": rate with tracking on (0 queries) / tracking off", "×",
			measure.Summarize(measure.Ratios(rates[1], rates[0]))),
		measure.Single(cfg.Section, name+", "+many+": tracked documents delivered per publish", "", perPublish).
			Noted(fmt.Sprintf("%d of the queries match every publish; their deliveries go to other callback servers and are not timed", cfg.Hot)),
	}
}

// subscribeTracked records one verified subscription to the track topic
// of each query at the hub of publicURL, directly in the hub's store, as
// a verified subscribe request would; the hub loads them into its index
// when it starts.
func subscribeTracked(ctx context.Context, dbPath, publicURL string, queries []string, cb *callbacks) error {
	st, err := store.OpenSQLite(ctx, dbPath)
	if err != nil {
		return fmt.Errorf("hubbench: %w", err)
	}
	defer st.Close()
	now := time.Now()
	for i, s := range queries {
		q, err := track.Parse(s)
		if err != nil {
			return fmt.Errorf("hubbench: tracked query %q: %w", s, err)
		}
		v := store.Verification{Mode: websub.ModeSubscribe, Topic: q.URL(publicURL), Callback: cb.url(i),
			Secret: secret(i), LeaseSeconds: int64((10 * 24 * time.Hour) / time.Second), CreatedAt: now}
		if err := st.FinishVerification(ctx, v, store.VerifyVerified, "", now); err != nil {
			return fmt.Errorf("hubbench: tracked subscription %d: %w", i, err)
		}
	}
	return nil
}
