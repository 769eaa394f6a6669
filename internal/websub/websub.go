// Package websub holds the pieces of the W3C WebSub protocol that the hub and
// the reader share: request parameter names, HMAC signatures of content
// distribution requests, HTTP Link headers, and discovery of a topic's hub
// and self URLs. It holds no state and does no I/O.
package websub

// Form parameter names and modes of the Recommendation (2018-01-23).
const (
	ParamMode         = "hub.mode"
	ParamTopic        = "hub.topic"
	ParamCallback     = "hub.callback"
	ParamLeaseSeconds = "hub.lease_seconds"
	ParamSecret       = "hub.secret"
	ParamChallenge    = "hub.challenge"
	ParamReason       = "hub.reason"
	ParamURL          = "hub.url"

	ModeSubscribe   = "subscribe"
	ModeUnsubscribe = "unsubscribe"
	ModeDenied      = "denied"
	ModePublish     = "publish"

	// HeaderSignature carries "method=hexdigest" on content distribution.
	HeaderSignature = "X-Hub-Signature"

	// MaxSecretBytes: "A subscriber-provided cryptographically random unique
	// secret string [...] MUST be less than 200 bytes in length."
	MaxSecretBytes = 199
)
