package aggregate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rookery-social/rookery/aggregate/store"
)

// Rule is a block or a mute, as `reader blocks` lists them.
type Rule struct {
	Kind  string `json:"kind"` // "feed", "domain", "word" or "tag"
	Value string `json:"value"`
	Nick  string `json:"nick,omitempty"`
}

// Block blocks a followed nick, a feed URL or a domain.
func (r *Reader) Block(ctx context.Context, what string) (Rule, error) {
	rule, err := r.blockRule(ctx, what)
	if err != nil {
		return Rule{}, err
	}
	if err := r.st.AddBlock(ctx, store.Rule{Value: rule.Value, Kind: rule.Kind}); err != nil {
		return Rule{}, fmt.Errorf("unable to block %q: %w", what, err)
	}
	return rule, nil
}

// Unblock removes a block given as when it was made.
func (r *Reader) Unblock(ctx context.Context, what string) (Rule, error) {
	rule, err := r.blockRule(ctx, what)
	if err != nil {
		return Rule{}, err
	}
	ok, err := r.st.RemoveBlock(ctx, rule.Value)
	if err != nil {
		return Rule{}, fmt.Errorf("unable to unblock %q: %w", what, err)
	}
	if !ok {
		return Rule{}, fmt.Errorf("%q is not blocked (see `reader blocks`)", what)
	}
	return rule, nil
}

func (r *Reader) blockRule(ctx context.Context, what string) (Rule, error) {
	what = strings.TrimSpace(what)
	if strings.Contains(what, "://") {
		u, err := checkURL(what)
		return Rule{Kind: "feed", Value: u}, err
	}
	if f, err := r.st.FeedByKey(ctx, what); err == nil {
		return Rule{Kind: "feed", Value: f.URL, Nick: f.Nick}, nil
	}
	d := strings.ToLower(strings.Trim(what, "./@"))
	if strings.Contains(d, ".") && !strings.ContainsAny(d, "/ @") {
		return Rule{Kind: "domain", Value: d}, nil
	}
	return Rule{}, fmt.Errorf("%q is not a nick you follow, a feed URL or a domain", what)
}

// Mute hides posts containing a word (or phrase), or tagged #tag.
func (r *Reader) Mute(ctx context.Context, what string) (Rule, error) {
	rule, err := muteRule(what)
	if err != nil {
		return Rule{}, err
	}
	if err := r.st.AddMute(ctx, store.Rule{Value: rule.Value, Kind: rule.Kind}); err != nil {
		return Rule{}, fmt.Errorf("unable to mute %q: %w", what, err)
	}
	return rule, nil
}

// Unmute removes a mute.
func (r *Reader) Unmute(ctx context.Context, what string) (Rule, error) {
	rule, err := muteRule(what)
	if err != nil {
		return Rule{}, err
	}
	ok, err := r.st.RemoveMute(ctx, rule.Value)
	if err != nil {
		return Rule{}, fmt.Errorf("unable to unmute %q: %w", what, err)
	}
	if !ok {
		return Rule{}, fmt.Errorf("%q is not muted (see `reader blocks`)", what)
	}
	return rule, nil
}

func muteRule(what string) (Rule, error) {
	w := strings.ToLower(strings.Join(strings.Fields(what), " "))
	if t, ok := strings.CutPrefix(w, "#"); ok && t != "" {
		return Rule{Kind: "tag", Value: "#" + t}, nil
	}
	if w == "" {
		return Rule{}, errors.New("give a word or #tag to mute")
	}
	return Rule{Kind: "word", Value: w}, nil
}

// Rules lists blocks, then mutes.
func (r *Reader) Rules(ctx context.Context) ([]Rule, error) {
	blocks, err := r.st.Blocks(ctx)
	if err != nil {
		return nil, fmt.Errorf("unable to list blocks: %w", err)
	}
	mutes, err := r.st.Mutes(ctx)
	if err != nil {
		return nil, fmt.Errorf("unable to list mutes: %w", err)
	}
	out := []Rule{}
	for _, b := range append(blocks, mutes...) {
		rule := Rule{Kind: b.Kind, Value: b.Value}
		if b.Kind == "feed" {
			if f, err := r.st.FeedByURL(ctx, b.Value); err == nil {
				rule.Nick = f.Nick
			}
		}
		out = append(out, rule)
	}
	return out, nil
}
