// Package store holds the durable state of the WebSub hub: subscriptions,
// pending verifications of intent, topics and their content versions, fetch
// jobs and deliveries. Store is the interface the hub uses, with two
// implementations: SQLite (embedded, one hub process per file, the
// default) and PostgreSQL (pgx; any number of hub processes share one
// database and its queue). The tests run one suite against both.
//
// Times are passed in by the caller, so the store never reads the clock.
// It knows nothing of HTTP.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned (wrapped) when a looked-up row does not exist.
var ErrNotFound = errors.New("store: not found")

// Subscription states.
const (
	StateActive       = "active"
	StateUnsubscribed = "unsubscribed"
	StateGone         = "gone" // the callback answered 410 Gone
	StateExpired      = "expired"
)

// Verification states.
const (
	VerifyPending  = "pending"
	VerifyVerified = "verified"
	VerifyFailed   = "failed"
	VerifyDenied   = "denied"
)

// Delivery states.
const (
	DeliveryPending   = 0
	DeliveryDone      = 1
	DeliveryFailed    = 2
	DeliveryCancelled = 3
)

// Subscription protocols: how a subscriber hears of new content.
const (
	// ProtocolWebSub subscribers get the content itself, signed when the
	// subscription has a secret.
	ProtocolWebSub = "websub"
	// ProtocolRSSCloud subscribers get an rssCloud notify: a form POST of
	// url=TOPIC, without the content or a signature.
	ProtocolRSSCloud = "rsscloud"
)

// ModePleaseNotify is the Verification.Mode of an rssCloud registration
// (pleaseNotify). A verified one makes (or renews) a subscription whose
// protocol is ProtocolRSSCloud.
const ModePleaseNotify = "pleaseNotify"

// Store is everything the hub keeps. Every method is safe for concurrent use.
type Store interface {
	// AddVerification records a subscribe or unsubscribe request whose
	// intent is still to be verified.
	AddVerification(ctx context.Context, v Verification) (int64, error)
	// ClaimVerifications leases up to n due pending verifications until
	// `until`; a crashed worker's claims come back when the lease ends.
	ClaimVerifications(ctx context.Context, now, until time.Time, n int) ([]Verification, error)
	// FinishVerification records the outcome of a verification and, when it
	// succeeded, applies the subscription change in the same transaction.
	FinishVerification(ctx context.Context, v Verification, state, result string, now time.Time) error
	// RecordVerification records a verification already done (rssCloud's
	// pleaseNotify checks its callback before it answers) with its state
	// and result and, when v.State is VerifyVerified, applies it, in one
	// transaction. It returns the verification's id.
	RecordVerification(ctx context.Context, v Verification, now time.Time) (int64, error)
	// CountActiveByHost counts active subscriptions whose callback is on host.
	CountActiveByHost(ctx context.Context, host string, now time.Time) (int, error)
	// Subscription returns the subscription of callback to topic.
	Subscription(ctx context.Context, topic, callback string) (Subscription, error)
	// Verifications returns the newest verifications of callback to topic.
	Verifications(ctx context.Context, topic, callback string, n int) ([]Verification, error)
	// RecentDeliveries returns the newest deliveries of a subscription.
	RecentDeliveries(ctx context.Context, subscriptionID int64, n int) ([]DeliveryRecord, error)

	// RequestFetch queues a fetch of topic if it has an active subscriber
	// and reports whether it did.
	RequestFetch(ctx context.Context, topic string, now time.Time) (bool, error)
	// RequestPolls queues a fetch of every topic with an active subscriber.
	RequestPolls(ctx context.Context, now time.Time) (int, error)
	// ClaimFetches leases up to n due fetch jobs until `until`.
	ClaimFetches(ctx context.Context, now, until time.Time, n int) ([]FetchJob, error)
	// FinishFetch records a fetch. When res.Changed, it stores the content
	// once and creates one delivery per active subscriber, all in one
	// transaction. Up to handoff.Max of the new deliveries are created
	// already leased to the caller (until handoff.Until) and returned, so
	// that it can send them without claiming them first.
	FinishFetch(ctx context.Context, job FetchJob, res FetchResult, handoff Handoff, now time.Time) (FanOut, error)

	// ClaimDeliveries leases up to n due pending deliveries until `until`.
	ClaimDeliveries(ctx context.Context, now, until time.Time, n int) ([]Delivery, error)
	// Content returns one stored content version.
	Content(ctx context.Context, id int64) (Content, error)
	// CompleteDeliveries records a batch of delivery outcomes in one
	// transaction.
	CompleteDeliveries(ctx context.Context, results []DeliveryResult, now time.Time) error

	// Sweep marks expired subscriptions, cancels their pending deliveries
	// and forgets finished rows older than keep.
	Sweep(ctx context.Context, now time.Time, keep time.Duration) error
	// Counts returns the figures shown on the landing page and in metrics.
	Counts(ctx context.Context, now time.Time) (Counts, error)
	// Ping checks that the schema is at the version this hub expects and
	// that each table the hub works on answers a bounded read; the error
	// names the table, the versions, or the database that cannot be
	// reached (/healthz calls it).
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// Verification is a subscribe or unsubscribe request awaiting (or having
// had) its verification of intent. Secret is never logged or shown.
type Verification struct {
	ID           int64
	Mode         string // subscribe, unsubscribe or ModePleaseNotify
	Topic        string
	Callback     string
	Secret       []byte
	LeaseSeconds int64 // already clamped to the hub's bounds
	State        string
	Result       string // why it failed or was denied
	Attempts     int
	CreatedAt    time.Time
	FinishedAt   time.Time
}

// Subscription is one verified subscription of a callback to a topic.
type Subscription struct {
	ID           int64
	Topic        string
	Callback     string
	CallbackHost string
	HasSecret    bool
	LeaseSeconds int64
	ExpiresAt    time.Time
	State        string
	Protocol     string // ProtocolWebSub or ProtocolRSSCloud
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// FetchJob is a durable request to fetch a topic.
type FetchJob struct {
	TopicID      int64
	Topic        string
	Gen          int64 // bumped by each request; a finished job with a newer gen runs again
	Attempts     int
	ETag         string
	LastModified string
	ContentHash  string
}

// FetchResult is the outcome of one topic fetch.
type FetchResult struct {
	Err          string // non-empty when the fetch failed
	RetryAt      time.Time
	GiveUp       bool // do not retry a failed fetch
	Changed      bool
	ContentType  string
	Body         []byte
	Hash         string
	ETag         string
	LastModified string
	Status       string // shown to operators
}

// Handoff asks FinishFetch to lease new deliveries to the caller.
type Handoff struct {
	Max   int
	Until time.Time
	// Hand, when set, receives the handed deliveries chunk by chunk as
	// they are created, before the transaction commits, so that sending
	// can start at once; FanOut.Handed then stays empty. Should the
	// transaction fail, nothing of it is recorded: the fetch job and the
	// topic's old hash remain, and a later fetch fans out again
	// (at-least-once). Hand must not use the store.
	Hand func(c Content, ds []Delivery)
}

// FanOut is what FinishFetch did with changed content.
type FanOut struct {
	ContentID  int64      // 0 when the content did not change
	Deliveries int        // created, handed or not
	Handed     []Delivery // when Handoff.Hand is nil
}

// Content is one stored version of a topic's content.
type Content struct {
	ID          int64
	Topic       string
	ContentType string
	Body        []byte
	Hash        string
	FetchedAt   time.Time
}

// Delivery is a claimed delivery with what a worker needs to send it.
type Delivery struct {
	ID             int64
	SubscriptionID int64
	ContentID      int64
	Attempts       int
	Topic          string
	Callback       string
	Secret         []byte
	ExpiresAt      time.Time
	Active         bool // the subscription is still active
	// Protocol is the subscription's: ProtocolRSSCloud, or ProtocolWebSub
	// (also when empty).
	Protocol  string
	CreatedAt time.Time
}

// Outcome of one delivery attempt.
type Outcome int

// Delivery outcomes.
const (
	OutcomeDone     Outcome = iota // 2xx
	OutcomeRetry                   // failed, try again at RetryAt
	OutcomeFailed                  // failed for good
	OutcomeGone                    // 410: end the subscription
	OutcomeDeferred                // not attempted (callback host busy, shutdown): try again at RetryAt
	OutcomeCancel                  // the subscription is no longer active
)

// DeliveryResult is the outcome of one delivery attempt.
type DeliveryResult struct {
	ID             int64
	ContentID      int64 // with ID, names the delivery even across a rolled-back fan-out
	SubscriptionID int64
	Outcome        Outcome
	Status         int
	Error          string
	RetryAt        time.Time
}

// DeliveryRecord is a delivery as shown on the subscription page.
type DeliveryRecord struct {
	ID         int64
	ContentID  int64
	State      int
	Attempts   int
	LastStatus int
	LastError  string
	CreatedAt  time.Time
	NextAt     time.Time
	FinishedAt time.Time
}

// Counts are the hub's headline figures.
type Counts struct {
	ActiveSubscriptions  int64
	RSSCloudActive       int64 // of which rssCloud registrations
	Topics               int64
	PendingVerifications int64
	PendingDeliveries    int64
	DeliveredTotal       int64
	FailedTotal          int64
}
