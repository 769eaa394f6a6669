package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rookery-social/rookery/aggregate/feedparse"
	"github.com/rookery-social/rookery/internal/sqlitedb"
)

// PostRef names a stored post. It is the one name of a post that the
// reader's core, its daemon (WebSub, Webmention) and its tracked queries
// pass to one another.
type PostRef struct {
	Feed string // the feed's URL
	ID   string // the entry's id as published (its de-duplication key if it has none)
	URL  string // its permalink
	// Changed is true when this save inserted or updated the post, false
	// when it was already stored as it is.
	Changed bool
}

// IngestResult is what storing one feed document kept: what the reader's
// Ingest returns to the daemon's receivers.
type IngestResult struct {
	Stored int       // posts new or changed
	Posts  []PostRef // every entry of the document stored, changed or not (see PostRef.Changed)
	// Deleted counts the stored posts the document's tombstones removed.
	Deleted int
}

// FeedMeta is what a fetched document says about its feed.
type FeedMeta struct {
	Title   string
	SiteURL string
	Hubs    []string
	Self    string
	State   *FetchState // when set, recorded in the same transaction
	// Author, Bio and Avatar describe the feed's author (reader profile).
	Author, Bio, Avatar string
}

// SaveFeed stores a parsed document's feed details (unless meta is nil, as
// for archive pages) and upserts its entries in one transaction. It returns
// a PostRef for every entry, with Changed set on those new or changed.
func (s *Store) SaveFeed(ctx context.Context, feed Feed, meta *FeedMeta, entries []feedparse.Entry, now time.Time) ([]PostRef, error) {
	return s.SaveFeedWait(ctx, feed, meta, entries, now, nil)
}

// SaveFeedWait is SaveFeed for entries still being filled in (see
// feedparse.Stream): it saves them in SaveOrder's order and, unless wait
// is nil, calls wait(i) before it reads entry i.
func (s *Store) SaveFeedWait(ctx context.Context, feed Feed, meta *FeedMeta, entries []feedparse.Entry, now time.Time, wait func(int)) ([]PostRef, error) {
	res, err := s.saveDoc(ctx, feed, meta, nil, entries, now, wait)
	return res.Posts, err
}

// SaveDocument is SaveFeedWait for a whole parsed document: its RFC 6721
// tombstones (doc.Deleted) are recorded and applied first, in the same
// transaction, then its entries are saved (see buryAll and buried).
func (s *Store) SaveDocument(ctx context.Context, feed Feed, meta *FeedMeta, doc *feedparse.Feed, now time.Time, wait func(int)) (IngestResult, error) {
	res, err := s.saveDoc(ctx, feed, meta, doc.Deleted, doc.Entries, now, wait)
	if err != nil {
		return IngestResult{}, err
	}
	for _, r := range res.Posts {
		if r.Changed {
			res.Stored++
		}
	}
	if res.Posts == nil {
		res.Posts = []PostRef{}
	}
	return res, nil
}

func (s *Store) saveDoc(ctx context.Context, feed Feed, meta *FeedMeta, dead []feedparse.Tombstone, entries []feedparse.Entry, now time.Time, wait func(int)) (IngestResult, error) {
	var res IngestResult
	inserted := 0
	// A long document leaves the checkpoint to checkpointSoon: SQLite's
	// automatic one would copy the WAL and fsync inside the commit. A short
	// one (a poll bringing a post or nothing) keeps SQLite's, which runs
	// once the WAL holds 1,000 pages, rather than a checkpoint per save.
	big := len(entries) >= bigBatch
	err := s.write(ctx, func(tx *sql.Tx) error {
		auto := `PRAGMA wal_autocheckpoint = 1000`
		if big {
			auto = `PRAGMA wal_autocheckpoint = 0`
		}
		if _, err := tx.ExecContext(ctx, auto); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if meta != nil {
			if err := saveMeta(ctx, tx, feed.ID, *meta, now); err != nil {
				return err
			}
		}
		var err error
		if res.Deleted, err = buryAll(ctx, tx, feed.ID, dead, now); err != nil {
			return err
		}
		sv := newSaver(ctx, tx, s.saveStmts)
		defer sv.close()
		if sv.graves, err = graves(ctx, sv.findGraves, feed.ID); err != nil {
			return err
		}
		for _, i := range SaveOrder(entries) {
			if wait != nil {
				wait(i)
			}
			e := entries[i]
			if sv.buried(e) {
				continue
			}
			if !e.Unchanged {
				e = feedparse.KeepHTTPURLs(e)
			}
			changed, err := sv.save(ctx, feed.ID, e, now)
			if err != nil {
				return fmt.Errorf("store: save %q: %w", e.Key, err)
			}
			res.Posts = append(res.Posts, PostRef{Feed: feed.URL, ID: entryID(e), URL: e.URL, Changed: changed})
		}
		if err := sv.flushChildren(ctx); err != nil {
			return fmt.Errorf("store: save children: %w", err)
		}
		inserted = sv.inserted
		return indexNew(ctx, tx, sv.unindexed)
	})
	if err == nil && big {
		s.checkpointSoon()
	}
	if err == nil && inserted > 0 {
		s.arrivals.fire()
	}
	return res, err
}

// bigBatch is the fewest entries of a save that checkpoints in the
// background.
const bigBatch = 200

func entryID(e feedparse.Entry) string {
	if e.ID != "" {
		return e.ID
	}
	return e.Key
}

// saveMeta records the feed's details and, with a fetch state, the fetch;
// without one, it records now as the time content last arrived.
func saveMeta(ctx context.Context, tx *sql.Tx, id int64, m FeedMeta, now time.Time) error {
	links := feedparse.KeepFeedHTTPURLs(feedparse.Feed{SiteURL: m.SiteURL, Self: m.Self, Hubs: m.Hubs})
	m.SiteURL, m.Self, m.Hubs = links.SiteURL, links.Self, links.Hubs
	_, err := tx.ExecContext(ctx, `UPDATE feeds SET
		title = CASE WHEN ?1 != '' THEN ?1 ELSE title END,
		site_url = CASE WHEN ?2 != '' THEN ?2 ELSE site_url END,
		hubs = ?3, self = ?4, last_fetch = ?5 WHERE id = ?6`,
		m.Title, m.SiteURL, strings.Join(m.Hubs, "\n"), m.Self, now.Unix(), id)
	if err != nil {
		return fmt.Errorf("store: save feed: %w", err)
	}
	if m.Author != "" || m.Bio != "" || m.Avatar != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE feeds SET author = ?, bio = ?, avatar = ? WHERE id = ?`,
			m.Author, m.Bio, m.Avatar, id); err != nil {
			return fmt.Errorf("store: save feed profile: %w", err)
		}
	}
	if m.State != nil {
		return setFetchState(ctx, tx, id, *m.State)
	}
	return nil
}

// indexNew adds newly inserted posts to the full-text index in one statement.
func indexNew(ctx context.Context, tx *sql.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	list, _ := json.Marshal(ids)
	_, err := tx.ExecContext(ctx, `INSERT INTO posts_fts(rowid, title, text, author)
		SELECT id, title, text, author FROM posts WHERE id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return fmt.Errorf("store: index posts: %w", err)
	}
	return nil
}

// saver holds the statements of one batch and the posts it inserted or
// edited, which are not in the full-text index until indexNew.
type saver struct {
	tx        *sql.Tx
	unindexed []int64
	inserted  int // new posts
	pending   map[int64]bool
	// kids are the saved entries whose tags, mentions and reply are
	// inserted by flushChildren, one statement per table for the batch.
	kids                                                                      map[int64]feedparse.Entry
	kidOrder                                                                  []int64
	unindex, findGraves                                                       *sql.Stmt
	find, insert, update, delTags, tag, delMentions, mention, delReply, reply *sql.Stmt
	// graves are the feed's tombstones: entry id → when it was deleted.
	graves map[string]int64

	// oldestNew is the date of the oldest dated post this batch inserted:
	// an undated post inserted after it is placed just before it.
	oldestNew time.Time
}

// saverSQL are the statements of a batch, prepared once per Store (and
// bound to each transaction with Tx.Stmt, which reuses the preparation).
// Children (tags, mentions, replies) are inserted childRows rows per
// statement, with a statement made for the last, shorter chunk.
var saverSQL = []string{
	`INSERT INTO posts_fts(posts_fts, rowid, title, text, author)
		SELECT 'delete', id, title, text, author FROM posts WHERE id = ?`,
	`SELECT id, digest, published FROM posts WHERE feed_id = ? AND guid = ?`,
	`INSERT INTO posts(feed_id, guid, entry_id, url, title, author, published, updated, html, text, digest, enclosures, undated, unread)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT(feed_id, guid) DO NOTHING`,
	`UPDATE posts SET entry_id = ?, url = ?, title = ?, author = ?, published = ?, updated = ?,
		html = ?, text = ?, digest = ?, enclosures = ?, undated = undated * ? WHERE id = ?`,
	`DELETE FROM post_tags WHERE post_id = ?`,
	valuesSQL(tagInsert, childRows),
	`DELETE FROM post_mentions WHERE post_id = ?`,
	valuesSQL(mentionInsert, childRows),
	`DELETE FROM replies WHERE post_id = ?`,
	valuesSQL(replyInsert, childRows),
	gravesSQL,
}

// childRows is how many children one prepared statement inserts: bound
// values cost SQLite less than reading them out of a JSON array.
const childRows = 128

// childInsert is a multi-row insert of one child table.
type childInsert struct {
	head string // up to VALUES
	cols int
}

var (
	tagInsert     = childInsert{`INSERT OR IGNORE INTO post_tags(post_id, tag) VALUES `, 2}
	mentionInsert = childInsert{`INSERT OR IGNORE INTO post_mentions(post_id, url, origin, kind) VALUES `, 4}
	replyInsert   = childInsert{`INSERT INTO replies(post_id, ref, href, source, href_origin, source_origin) VALUES `, 6}
)

// valuesSQL is ins for rows rows.
func valuesSQL(ins childInsert, rows int) string {
	row := "(?" + strings.Repeat(", ?", ins.cols-1) + ")"
	return ins.head + row + strings.Repeat(", "+row, rows-1)
}

func prepareSaver(ctx context.Context, db *sql.DB) ([]*sql.Stmt, error) {
	out := make([]*sql.Stmt, 0, len(saverSQL))
	for _, q := range saverSQL {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			closeAll(out)
			return nil, fmt.Errorf("store: prepare: %w", err)
		}
		out = append(out, st)
	}
	return out, nil
}

func closeAll(stmts []*sql.Stmt) {
	for _, st := range stmts {
		st.Close()
	}
}

func newSaver(ctx context.Context, tx *sql.Tx, prepared []*sql.Stmt) *saver {
	sv := &saver{tx: tx, pending: map[int64]bool{}, kids: map[int64]feedparse.Entry{}}
	dsts := []**sql.Stmt{&sv.unindex, &sv.find, &sv.insert, &sv.update, &sv.delTags, &sv.tag,
		&sv.delMentions, &sv.mention, &sv.delReply, &sv.reply, &sv.findGraves}
	for i, d := range dsts {
		*d = tx.StmtContext(ctx, prepared[i])
	}
	return sv
}

func (sv *saver) close() {
	closeAll([]*sql.Stmt{sv.unindex, sv.find, sv.insert, sv.update, sv.delTags, sv.tag, sv.delMentions, sv.mention, sv.delReply, sv.reply, sv.findGraves})
}

// save upserts one entry; it reports whether anything changed. A new
// entry (the common case) costs one statement: the insert, which does
// nothing when the feed has the key already.
func (sv *saver) save(ctx context.Context, feedID int64, e feedparse.Entry, now time.Time) (bool, error) {
	if e.Unchanged {
		return false, nil
	}
	dig := e.Digest
	if dig == "" {
		dig = digest(e)
	}
	id, inserted, err := sv.insertPost(ctx, feedID, e, dig, now)
	if err != nil {
		return false, err
	}
	if !inserted {
		if id, err = sv.edit(ctx, feedID, e, dig); err != nil || id == 0 {
			return false, err
		}
	}
	sv.saveChildren(id, e)
	return true, nil
}

// edit updates the stored entry with e's key unless its digest is dig; it
// returns the post's rowid when it updated it, else 0.
func (sv *saver) edit(ctx context.Context, feedID int64, e feedparse.Entry, dig string) (int64, error) {
	var id, published int64
	var old string
	if err := sv.find.QueryRowContext(ctx, feedID, e.Key).Scan(&id, &old, &published); err != nil {
		return 0, err
	}
	if old == dig {
		return 0, nil
	}
	return id, sv.updatePost(ctx, id, e, dig, sqlitedb.FromUnix(published))
}

// insertPost inserts e unless the feed has its key already (inserted
// false). RowsAffected tells which, cheaper than a RETURNING clause.
func (sv *saver) insertPost(ctx context.Context, feedID int64, e feedparse.Entry, dig string, now time.Time) (id int64, inserted bool, err error) {
	pub, upd := dates(e, sv.firstSeen(e, now))
	res, err := sv.insert.ExecContext(ctx, feedID, e.Key, entryID(e), e.URL, e.Title, e.Author,
		pub.Unix(), upd.Unix(), e.HTML, e.Text, dig, encodeEnclosures(e.Enclosures), e.Published.IsZero())
	if err != nil {
		return 0, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return 0, false, err
	}
	if id, err = res.LastInsertId(); err != nil {
		return 0, false, err
	}
	sv.pending[id] = true
	sv.unindexed = append(sv.unindexed, id)
	if !e.Published.IsZero() && (sv.oldestNew.IsZero() || e.Published.Before(sv.oldestNew)) {
		sv.oldestNew = e.Published
	}
	sv.inserted++
	return id, true, nil
}

// firstSeen is the date a new entry without one takes: now, or a second
// before the oldest dated post this batch inserted when that is earlier,
// so that undated entries never come above the dated posts of the same
// fetch (SaveOrder saves the dated ones first).
func (sv *saver) firstSeen(e feedparse.Entry, now time.Time) time.Time {
	if !e.Published.IsZero() || sv.oldestNew.IsZero() || sv.oldestNew.After(now) {
		return now
	}
	return sv.oldestNew.Add(-time.Second)
}

func (sv *saver) updatePost(ctx context.Context, id int64, e feedparse.Entry, dig string, stored time.Time) error {
	if !sv.pending[id] {
		if _, err := sv.unindex.ExecContext(ctx, id); err != nil {
			return err
		}
		sv.pending[id] = true
		sv.unindexed = append(sv.unindexed, id)
	}
	pub, upd := dates(e, stored)
	_, err := sv.update.ExecContext(ctx, entryID(e), e.URL, e.Title, e.Author, pub.Unix(), upd.Unix(), e.HTML, e.Text, dig,
		encodeEnclosures(e.Enclosures), e.Published.IsZero(), id)
	if err != nil {
		return err
	}
	for _, st := range []*sql.Stmt{sv.delTags, sv.delMentions, sv.delReply} {
		if _, err := st.ExecContext(ctx, id); err != nil {
			return err
		}
	}
	_, err = sv.tx.ExecContext(ctx, `DELETE FROM post_cites WHERE post_id = ?`, id)
	return err
}

// saveCite records the post a repost, quote or like cites. They are few:
// one statement each.
func (sv *saver) saveCite(ctx context.Context, id int64, e feedparse.Entry) error {
	if e.Kind == "" {
		return nil
	}
	_, err := sv.tx.ExecContext(ctx, `INSERT OR REPLACE INTO post_cites(post_id, kind, ref, href, href_origin)
		VALUES(?, ?, ?, ?, ?)`, id, e.Kind, e.Of.Ref, e.Of.Href, Origin(e.Of.Href))
	return err
}

// dates fills in a missing publication date with fallback (arrival time for
// a new post, the stored date for an edit).
func dates(e feedparse.Entry, fallback time.Time) (time.Time, time.Time) {
	pub, upd := e.Published, e.Updated
	if pub.IsZero() {
		pub = fallback
	}
	if upd.IsZero() {
		upd = pub
	}
	return pub, upd
}

// saveChildren queues e's tags, mentions and reply for flushChildren; a
// later save of the same post in the batch replaces them.
func (sv *saver) saveChildren(id int64, e feedparse.Entry) {
	if _, ok := sv.kids[id]; !ok {
		sv.kidOrder = append(sv.kidOrder, id)
	}
	sv.kids[id] = e
}

// flushChildren inserts the queued children, childRows rows per statement.
func (sv *saver) flushChildren(ctx context.Context) error {
	var tags, mentions, replies []any
	for _, id := range sv.kidOrder {
		e := sv.kids[id]
		for _, t := range e.Tags {
			tags = append(tags, id, t)
		}
		for kind, list := range [][]string{e.Mentions, e.Links} {
			for _, u := range list {
				mentions = append(mentions, id, u, Origin(u), kind)
			}
		}
		if r := e.InReplyTo; r.Ref != "" || r.Href != "" {
			replies = append(replies, id, r.Ref, r.Href, r.Source, Origin(r.Href), Origin(r.Source))
		}
		if err := sv.saveCite(ctx, id, e); err != nil {
			return err
		}
	}
	for _, b := range []struct {
		full *sql.Stmt
		ins  childInsert
		args []any
	}{{sv.tag, tagInsert, tags}, {sv.mention, mentionInsert, mentions}, {sv.reply, replyInsert, replies}} {
		if err := sv.insertRows(ctx, b.full, b.ins, b.args); err != nil {
			return err
		}
	}
	return nil
}

// insertRows inserts the rows whose values args holds one after another:
// full chunks with the prepared statement full, the rest with one made
// for it.
func (sv *saver) insertRows(ctx context.Context, full *sql.Stmt, ins childInsert, args []any) error {
	per := childRows * ins.cols
	for len(args) > 0 {
		n := min(len(args), per)
		var err error
		if n == per {
			_, err = full.ExecContext(ctx, args[:n]...)
		} else {
			_, err = sv.tx.ExecContext(ctx, valuesSQL(ins, n/ins.cols), args[:n]...)
		}
		if err != nil {
			return err
		}
		args = args[n:]
	}
	return nil
}

// digest identifies an entry's stored content, to skip unchanged entries.
func digest(e feedparse.Entry) string {
	h := sha256.New()
	for _, s := range []string{e.ID, e.URL, e.Title, e.Author, e.Published.String(), e.Updated.String(), e.HTML,
		strings.Join(e.Tags, "\x00"), strings.Join(e.Mentions, "\x00"), strings.Join(e.Links, "\x00"),
		e.InReplyTo.Ref, e.InReplyTo.Href, e.InReplyTo.Source, encodeEnclosures(e.Enclosures), e.Kind, e.Of.Ref, e.Of.Href} {
		h.Write([]byte(s))
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func encodeEnclosures(list []feedparse.Enclosure) string {
	if len(list) == 0 {
		return ""
	}
	b, _ := json.Marshal(list)
	return string(b)
}

const storedDigestsSQL = `SELECT guid, digest FROM posts
	WHERE feed_id = ?1 AND guid IN (SELECT value FROM json_each(?2))`

// StoredDigests returns the digests stored for those of keys (entry
// de-duplication keys) the feed has, in one query.
func (s *Store) StoredDigests(ctx context.Context, feedID int64, keys []string) (map[string]string, error) {
	list, err := json.Marshal(keys)
	if err != nil {
		return nil, fmt.Errorf("store: stored digests: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, storedDigestsSQL, feedID, string(list))
	if err != nil {
		return nil, fmt.Errorf("store: stored digests: %w", err)
	}
	defer rows.Close()
	out := make(map[string]string, len(keys))
	for rows.Next() {
		var k, d string
		if err := rows.Scan(&k, &d); err != nil {
			return nil, fmt.Errorf("store: stored digests: %w", err)
		}
		out[k] = d
	}
	return out, rows.Err()
}

// Origin returns scheme://host[:port] of a URL, lowercased, or "".
func Origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// SaveOrder is the order in which SaveFeed stores entries (indices of
// entries): by publication date, so that arrival order (the rowid) follows
// it within a document; undated entries keep their place after the dated
// ones. It reads only the entries' dates.
func SaveOrder(entries []feedparse.Entry) []int {
	out := make([]int, len(entries))
	for i := range out {
		out[i] = i
	}
	slices.SortStableFunc(out, func(i, j int) int {
		a, b := entries[i].Published, entries[j].Published
		switch {
		case a.IsZero() || b.IsZero():
			return cmp.Compare(zeroLast(a), zeroLast(b))
		default:
			return a.Compare(b)
		}
	})
	return out
}

func zeroLast(t time.Time) int {
	if t.IsZero() {
		return 1
	}
	return 0
}
