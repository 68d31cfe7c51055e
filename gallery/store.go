package gallery

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrClosed reports use of a closed Store.
var ErrClosed = errors.New("gallery: store closed")

// bbolt layout: three root buckets.
var (
	bucketMeta      = []byte("meta")      // header, degraded, compact
	bucketPersons   = []byte("persons")   // person id -> sealed person
	bucketTemplates = []byte("templates") // person id -> bucket of u64 template id -> sealed template

	keyHeader   = []byte("header")
	keyDegraded = []byte("degraded") // present while degraded: the reason
	keyCompact  = []byte("compact")  // present while an erase awaits compaction
	keyEmbedder = []byte("embedder") // the embedding model the templates came from, MAC'd
)

// ErrEmbedderMismatch reports a store whose templates were made by another
// embedding model than the one configured (Config.Embedder): scores across
// models are meaningless, so the store is left untouched and not opened.
var ErrEmbedderMismatch = errors.New("gallery: templates come from another embedding model")

// maxEmbedder bounds the embedder identity stored in the meta bucket.
const maxEmbedder = 256

const maxDegradedReason = 4096

// Option changes how Open behaves.
type Option func(*options)

type options struct {
	now    func() time.Time
	logger *slog.Logger
	key    *Secret
}

// WithClock sets the clock used for UpdatedAt and quarantine timestamps.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger sets the logger (default: discard). Keys, embeddings and names
// are never logged.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithKey uses k instead of reading Config.KeyFile.
func WithKey(k Secret) Option { return func(o *options) { o.key = &k } }

// Quarantine describes a store that failed its integrity check at Open and
// was moved aside. It is an error so it can be wrapped and logged.
type Quarantine struct {
	// Path is where the store was.
	Path string
	// MovedTo is where it is now (Path plus a timestamp suffix).
	MovedTo string
	// At is when it was moved.
	At time.Time
	// Err is the failed check (wraps ErrCorrupt or ErrWrongKey).
	Err error
}

// Error describes the quarantine.
func (q *Quarantine) Error() string {
	return fmt.Sprintf("gallery %s failed its integrity check and was moved to %s: %v", q.Path, q.MovedTo, q.Err)
}

// Unwrap returns the failed check.
func (q *Quarantine) Unwrap() error { return q.Err }

// ManifestEntry is one person in a resync manifest.
type ManifestEntry struct {
	PersonID  string    `json:"person_id"`
	Version   uint64    `json:"version"`
	Revoked   bool      `json:"revoked"`
	Templates int       `json:"templates"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Store is the durable, encrypted gallery. It keeps its Index in step with
// the file: every successful write is committed (fsynced) first and then
// applied to the index. Methods are safe for concurrent use.
type Store struct {
	cfg  Config
	o    options
	keys *keys
	ix   *Index

	mu         sync.RWMutex
	db         *bolt.DB // nil once closed or after a failed compaction swap
	seal       *sealer
	degraded   string
	quarantine *Quarantine
	closed     bool
}

// Open opens (or creates) the gallery at cfg.Path, verifies every record and
// loads the index. A store that fails verification (corrupt file, altered
// or moved record, wrong key) is moved aside and replaced by an empty,
// degraded store: Open then succeeds and Quarantined reports what happened.
// Open returns an error, leaving the file untouched, for problems that are
// not the file's fault: bad config, unreadable key, file locked by another
// process, a dimension that differs from the store's.
func Open(ctx context.Context, cfg Config, opts ...Option) (*Store, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := options{now: time.Now, logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	var key Secret
	if o.key != nil {
		key = *o.key
	} else {
		var err error
		if key, err = LoadKey(cfg.KeyFile); err != nil {
			return nil, err
		}
	}
	k, err := deriveKeys(key)
	if err != nil {
		return nil, fmt.Errorf("open gallery %s: %w", cfg.Path, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, o: o, keys: k, ix: NewIndex(cfg.Dim)}
	if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o700); err != nil {
		return nil, fmt.Errorf("open gallery: %w", err)
	}
	// A compaction or creation interrupted by power loss leaves a temporary
	// file; the real file is intact (the rename is the commit point).
	for _, tmp := range []string{s.compactPath(), s.newPath()} {
		if err := os.Remove(tmp); err == nil {
			o.logger.Warn("removed interrupted gallery temp file", "path", tmp)
		}
	}
	if _, err := os.Stat(cfg.Path); errors.Is(err, fs.ErrNotExist) {
		if err := s.create(""); err != nil {
			return nil, err
		}
		return s, nil
	} else if err != nil {
		return nil, fmt.Errorf("open gallery: %w", err)
	}

	db, rollback, err := openBolt(cfg.Path)
	if err != nil {
		if errors.Is(err, ErrCorrupt) {
			return s.quarantineAndCreate(nil, err)
		}
		return nil, fmt.Errorf("open gallery %s: %w", cfg.Path, err)
	}
	loaded, err := s.verify(ctx, db)
	if err != nil {
		if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrWrongKey) {
			return s.quarantineAndCreate(db, err)
		}
		_ = db.Close()
		return nil, fmt.Errorf("open gallery %s: %w", cfg.Path, err)
	}
	if err := s.checkEmbedder(db, loaded); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open gallery %s: %w", cfg.Path, err)
	}
	s.db, s.seal, s.degraded = db, &sealer{k: k, storeID: loaded.hdr.storeID}, loaded.degraded
	if rollback != nil && s.degraded == "" {
		// The data is consistent but may be one transaction old: keep it,
		// and require a resync before face grants (see precheckFile).
		reason := fmt.Sprintf("%v: the last change may be undone; face grants disabled until resync", rollback)
		if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyDegraded, []byte(reason)) }); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("open gallery %s: mark degraded: %w", cfg.Path, err)
		}
		s.degraded = reason
		o.logger.Warn("gallery degraded", "path", cfg.Path, "reason", reason)
	}
	if loaded.compact {
		o.logger.Info("gallery: finishing interrupted erase compaction")
		if err := s.compactLocked(); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("open gallery %s: %w", cfg.Path, err)
		}
	}
	if err := s.ix.Load(loaded.people); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("open gallery %s: load index: %w", cfg.Path, err)
	}
	s.ix.setDegraded(s.degraded != "")
	return s, nil
}

// checkEmbedder compares the store's embedder record with Config.Embedder.
// A store without a record (made before facegate recorded it) or without
// templates takes the configured one; a store whose templates come from
// another model is refused, untouched.
func (s *Store) checkEmbedder(db *bolt.DB, l loaded) error {
	want := s.cfg.Embedder
	if want == "" || l.embedder == want {
		return nil
	}
	templates := 0
	for _, p := range l.people {
		templates += len(p.Templates)
	}
	if l.embedder != "" && templates > 0 {
		return fmt.Errorf("%w: its %d templates were made by %q, the configuration runs %q (models.quantized or infer.embedder_model changed?): switch back, or move %s aside and resync the enrollments", ErrEmbedderMismatch, templates, l.embedder, want, s.cfg.Path)
	}
	if l.embedder != "" {
		s.o.logger.Info("gallery: empty store takes the configured embedder", "was", l.embedder, "now", want)
	}
	return db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyEmbedder, s.keys.sealEmbedder(want))
	})
}

func (s *Store) compactPath() string { return s.cfg.Path + ".compact" }
func (s *Store) newPath() string     { return s.cfg.Path + ".new" }

// openBolt opens a bbolt file with fsync on, turning bbolt's format errors
// and panics into ErrCorrupt. The file is prechecked so bbolt's unchecked
// reads of the meta and freelist pages stay in bounds; faults elsewhere
// become panics (SetPanicOnFault is per goroutine and restored on return).
func openBolt(path string) (db *bolt.DB, rollback, err error) {
	if rollback, err = precheckFile(path); err != nil {
		return nil, nil, err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("%w: bbolt failed reading the file: %v", ErrCorrupt, r)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: false})
	var pe *fs.PathError
	switch {
	case err == nil:
		return db, rollback, nil
	case errors.Is(err, berrors.ErrTimeout):
		return nil, nil, fmt.Errorf("file is locked by another process (is another facegated running?): %w", err)
	case errors.As(err, &pe):
		return nil, nil, err
	default:
		// ErrInvalid, ErrChecksum, ErrVersionMismatch, "file size too small", ...
		return nil, nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
}

// create writes a new empty store (optionally already degraded) next to
// cfg.Path and renames it into place, so a crash never leaves a half-made
// store at cfg.Path. s.mu must be held or s unpublished.
func (s *Store) create(degraded string) error {
	tmp := s.newPath()
	h := header{version: FormatVersion, dim: s.cfg.Dim, keyID: s.keys.keyID, created: s.o.now()}
	if _, err := rand.Read(h.storeID[:]); err != nil {
		return fmt.Errorf("create gallery: %w", err)
	}
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("create gallery %s: %w", tmp, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketPersons, bucketTemplates} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(keyHeader, s.keys.encodeHeader(h)); err != nil {
			return err
		}
		if s.cfg.Embedder != "" {
			if err := meta.Put(keyEmbedder, s.keys.sealEmbedder(s.cfg.Embedder)); err != nil {
				return err
			}
		}
		if degraded != "" {
			return meta.Put(keyDegraded, []byte(degraded))
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.cfg.Path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(s.cfg.Path))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("create gallery %s: %w", s.cfg.Path, err)
	}
	if s.db, _, err = openBolt(s.cfg.Path); err != nil {
		return fmt.Errorf("create gallery %s: %w", s.cfg.Path, err)
	}
	s.seal = &sealer{k: s.keys, storeID: h.storeID}
	s.degraded = degraded
	s.ix.reset()
	s.ix.setDegraded(degraded != "")
	return nil
}

// quarantineAndCreate moves the failed store aside and creates an empty,
// degraded one in its place.
func (s *Store) quarantineAndCreate(db *bolt.DB, cause error) (*Store, error) {
	if db != nil {
		closeQuietly(db)
	}
	at := s.o.now().UTC()
	dir := s.cfg.QuarantineDir
	if dir == "" {
		dir = filepath.Dir(s.cfg.Path)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("quarantine gallery %s (%v): %w", s.cfg.Path, cause, err)
	}
	base := filepath.Join(dir, filepath.Base(s.cfg.Path)+".quarantined-"+at.Format("20060102T150405Z"))
	dest := base
	for i := 1; ; i++ {
		if _, err := os.Lstat(dest); errors.Is(err, fs.ErrNotExist) {
			break
		}
		dest = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.Rename(s.cfg.Path, dest); err != nil {
		return nil, fmt.Errorf("quarantine gallery %s (%v): %w (quarantine_dir must be on the same file system)", s.cfg.Path, cause, err)
	}
	for _, d := range []string{dir, filepath.Dir(s.cfg.Path)} {
		if err := syncDir(d); err != nil {
			return nil, fmt.Errorf("quarantine gallery %s: %w", s.cfg.Path, err)
		}
	}
	q := &Quarantine{Path: s.cfg.Path, MovedTo: dest, At: at, Err: cause}
	reason := fmt.Sprintf("quarantined at %s: %v; face grants disabled until resync", at.Format(time.RFC3339), cause)
	if len(reason) > maxDegradedReason {
		reason = reason[:maxDegradedReason]
		for !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	if err := s.create(reason); err != nil {
		return nil, fmt.Errorf("%v; then: %w", q, err)
	}
	s.quarantine = q
	s.o.logger.Warn("gallery quarantined", "path", q.Path, "moved_to", q.MovedTo, "err", cause)
	return s, nil
}

// closeQuietly closes a bbolt handle that may be in a bad state after a
// recovered panic. If Close does not return within closeWait (a lock left
// held by the panic), the handle is abandoned: quarantining must not hang.
// The goroutine then stays blocked for the life of the process; that only
// happens on a store already found corrupt.
func closeQuietly(db *bolt.DB) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }()
		_ = db.Close()
	}()
	select {
	case <-done:
	case <-time.After(closeWait):
	}
}

const closeWait = 5 * time.Second

// loaded is what verify read from a store.
type loaded struct {
	hdr      header
	people   []Enrolled
	degraded string
	compact  bool
	embedder string // "" when the store predates the record
}

// redactKV keeps bbolt's check messages free of stored bytes.
type redactKV struct{}

func (redactKV) KeyToString(k []byte) string   { return fmt.Sprintf("<%d-byte key>", len(k)) }
func (redactKV) ValueToString(v []byte) string { return fmt.Sprintf("<%d-byte value>", len(v)) }

// verify checks a whole store: bbolt structure, the header, and that every
// record opens and decodes. Integrity failures wrap ErrCorrupt or
// ErrWrongKey; other errors (dimension mismatch, ctx canceled) do not.
func (s *Store) verify(ctx context.Context, db *bolt.DB) (out loaded, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: bbolt failed reading the file: %v", ErrCorrupt, r)
		}
	}()
	err = db.View(func(tx *bolt.Tx) error {
		if err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			switch string(name) {
			case string(bucketMeta), string(bucketPersons), string(bucketTemplates):
				return nil
			}
			return fmt.Errorf("%w: unknown bucket %q", ErrCorrupt, name)
		}); err != nil {
			return err
		}
		meta, pb, tb := tx.Bucket(bucketMeta), tx.Bucket(bucketPersons), tx.Bucket(bucketTemplates)
		if meta == nil || pb == nil || tb == nil {
			return fmt.Errorf("%w: missing bucket", ErrCorrupt)
		}
		hdr, err := s.keys.verifyHeader(meta.Get(keyHeader))
		if err != nil {
			return err
		}
		out.hdr = hdr
		if hdr.dim != s.cfg.Dim {
			return fmt.Errorf("gallery.dim is %d but the store holds %d-d templates from another embedding model; move %s aside and resync", s.cfg.Dim, hdr.dim, s.cfg.Path)
		}
		seal := &sealer{k: s.keys, storeID: hdr.storeID}
		if err := meta.ForEach(func(k, v []byte) error {
			switch {
			case v == nil:
				return fmt.Errorf("%w: unexpected bucket %q in meta", ErrCorrupt, k)
			case string(k) == string(keyHeader):
			case string(k) == string(keyDegraded):
				if len(v) == 0 || len(v) > maxDegradedReason || !utf8.Valid(v) {
					return fmt.Errorf("%w: degraded marker malformed", ErrCorrupt)
				}
				out.degraded = string(v)
			case string(k) == string(keyCompact):
				if string(v) != "1" {
					return fmt.Errorf("%w: compact marker malformed", ErrCorrupt)
				}
				out.compact = true
			case string(k) == string(keyEmbedder):
				id, ok := s.keys.openEmbedder(v)
				if !ok {
					return fmt.Errorf("%w: embedder record malformed or altered", ErrCorrupt)
				}
				out.embedder = id
			default:
				return fmt.Errorf("%w: unknown meta key %q", ErrCorrupt, k)
			}
			return nil
		}); err != nil {
			return err
		}
		counts := map[string]uint32{}
		if err := pb.ForEach(func(k, v []byte) error {
			id := string(k)
			if v == nil {
				return fmt.Errorf("%w: unexpected bucket in persons", ErrCorrupt)
			}
			if err := validText("id", id, 1, MaxIDLen); err != nil {
				return fmt.Errorf("%w: %w", ErrCorrupt, err)
			}
			p, err := openPerson(seal, id, v)
			if err != nil {
				return err
			}
			counts[id] = p.templates
			out.people = append(out.people, Enrolled{Person: p.Person})
			return nil
		}); err != nil {
			return err
		}
		i := 0 // persons and template buckets are both in key order
		if err := tb.ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err // shutdown during a long start-up check: not corruption
			}
			id := string(k)
			if v != nil {
				return fmt.Errorf("%w: unexpected value in templates", ErrCorrupt)
			}
			if i >= len(out.people) || out.people[i].ID != id {
				return fmt.Errorf("%w: templates of %q without a matching person record", ErrCorrupt, id)
			}
			b := tb.Bucket(k)
			seq := b.Sequence()
			var ts [][]float32
			if err := b.ForEach(func(tk, tv []byte) error {
				if len(tk) != 8 || tv == nil {
					return fmt.Errorf("%w: malformed template key of %q", ErrCorrupt, id)
				}
				tid := binary.BigEndian.Uint64(tk)
				if tid == 0 || tid > seq {
					return fmt.Errorf("%w: template id %d of %q beyond sequence %d", ErrCorrupt, tid, id, seq)
				}
				v, err := openTemplate(seal, id, tid, tv, s.cfg.Dim)
				if err != nil {
					return err
				}
				ts = append(ts, v)
				return nil
			}); err != nil {
				return err
			}
			if uint32(len(ts)) != counts[id] {
				return fmt.Errorf("%w: person %q has %d templates, record says %d", ErrCorrupt, id, len(ts), counts[id])
			}
			out.people[i].Templates = ts
			i++
			return nil
		}); err != nil {
			return err
		}
		if i != len(out.people) {
			return fmt.Errorf("%w: person %q has no templates", ErrCorrupt, out.people[i].ID)
		}
		// bbolt's own check (free pages vs reachable pages, ordering) runs
		// in a goroutine without SetPanicOnFault, so only after the walk
		// above has touched every reachable page from this goroutine.
		var first error
		for cerr := range tx.Check(bolt.WithKVStringer(redactKV{})) {
			if first == nil {
				first = cerr
			}
		}
		if first != nil {
			return fmt.Errorf("%w: bbolt structure: %v", ErrCorrupt, first)
		}
		return nil
	})
	return out, err
}

func openPerson(seal *sealer, id string, rec []byte) (personRecord, error) {
	plain, err := seal.open(kindPerson, id, 0, rec)
	if err != nil {
		return personRecord{}, fmt.Errorf("person %q: %w", id, err)
	}
	p, err := decodePerson(id, plain)
	if err != nil {
		return p, fmt.Errorf("person %q: %w", id, err)
	}
	return p, nil
}

func openTemplate(seal *sealer, id string, tid uint64, rec []byte, dim int) ([]float32, error) {
	plain, err := seal.open(kindTemplate, id, tid, rec)
	if err != nil {
		return nil, fmt.Errorf("person %q template %d: %w", id, tid, err)
	}
	v, err := decodeTemplate(plain, dim)
	if err != nil {
		return nil, fmt.Errorf("person %q template %d: %w", id, tid, err)
	}
	return v, nil
}

// Index returns the search index kept in step with the store.
func (s *Store) Index() *Index { return s.ix }

// Quarantined returns what Open moved aside, or nil if the store passed its
// integrity check (or was new). The daemon turns it into an event.
func (s *Store) Quarantined() *Quarantine {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.quarantine
}

// Degraded reports whether face grants must stay disabled because the
// store was rebuilt after a failed integrity check, and why. The flag is
// persisted: it survives restarts until ClearDegraded.
func (s *Store) Degraded() (reason string, degraded bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.degraded, s.degraded != ""
}

// ClearDegraded ends the degraded state; call it when a resync has brought
// the gallery back in line with the site manifest.
func (s *Store) ClearDegraded(ctx context.Context) error {
	return s.write(ctx, "clear degraded", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Delete(keyDegraded)
	}, func() {
		s.degraded = ""
		s.ix.setDegraded(false)
	})
}

// write runs fn in one fsynced bbolt transaction under the write lock and,
// only if it commits, runs apply (still under the lock).
func (s *Store) write(ctx context.Context, op string, fn func(*bolt.Tx) error, apply func()) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("gallery %s: %w", op, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.db == nil {
		return fmt.Errorf("gallery %s: %w", op, ErrClosed)
	}
	if err := s.db.Update(fn); err != nil {
		return fmt.Errorf("gallery %s: %w", op, err)
	}
	if apply != nil {
		apply()
	}
	return nil
}

// getPerson reads and opens a person record inside tx.
func (s *Store) getPerson(tx *bolt.Tx, id string) (personRecord, bool, error) {
	v := tx.Bucket(bucketPersons).Get([]byte(id))
	if v == nil {
		return personRecord{}, false, nil
	}
	p, err := openPerson(s.seal, id, v)
	return p, err == nil, err
}

func (s *Store) putPerson(tx *bolt.Tx, p personRecord) error {
	rec, err := s.seal.seal(kindPerson, p.ID, 0, encodePerson(p))
	if err != nil {
		return err
	}
	return tx.Bucket(bucketPersons).Put([]byte(p.ID), rec)
}

// Enroll creates person p or updates its metadata, and adds templates to
// the ones it already has. Templates are checked and L2-normalised first; a
// bad template, a stale p.Version or exceeding MaxTemplatesPerPerson fails
// the whole call and changes nothing.
func (s *Store) Enroll(ctx context.Context, p Person, templates [][]float32) error {
	return s.putTemplates(ctx, "enroll", p, templates, true)
}

// ReplaceTemplates creates person p or updates its metadata, and replaces
// all its templates with templates. Like Enroll it is all or nothing.
func (s *Store) ReplaceTemplates(ctx context.Context, p Person, templates [][]float32) error {
	return s.putTemplates(ctx, "replace templates", p, templates, false)
}

func (s *Store) putTemplates(ctx context.Context, op string, p Person, templates [][]float32, add bool) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("gallery %s: %w", op, err)
	}
	if len(templates) == 0 {
		return fmt.Errorf("gallery %s %q: %w: no templates", op, p.ID, ErrInvalidTemplate)
	}
	norm, err := normalizeAll(templates, s.cfg.Dim)
	if err != nil {
		return fmt.Errorf("gallery %s %q: %w", op, p.ID, err)
	}
	var stored Person
	return s.write(ctx, fmt.Sprintf("%s %q", op, p.ID), func(tx *bolt.Tx) (err error) {
		stored, err = s.putTx(tx, p, norm, add)
		return err
	}, func() {
		// Cannot fail: p and norm were validated above.
		if add {
			_ = s.ix.Add(stored, norm)
		} else {
			_ = s.ix.Put(stored, norm)
		}
	})
}

// putTx writes person p and its normalised templates inside tx (adding to
// or replacing the stored templates) and returns the person as stored.
func (s *Store) putTx(tx *bolt.Tx, p Person, norm [][]float32, add bool) (Person, error) {
	old, exists, err := s.getPerson(tx, p.ID)
	if err != nil {
		return p, err
	}
	switch {
	case !exists && p.Version == 0:
		p.Version = 1
	case exists && p.Version == 0:
		p.Version = old.Version + 1
	case exists && p.Version < old.Version:
		return p, fmt.Errorf("%w: version %d, stored %d", ErrStaleVersion, p.Version, old.Version)
	}
	p.UpdatedAt = s.o.now()
	tb := tx.Bucket(bucketTemplates)
	id := []byte(p.ID)
	count := 0
	var b *bolt.Bucket
	if exists && add {
		b, count = tb.Bucket(id), int(old.templates)
	} else {
		var seq uint64
		if old := tb.Bucket(id); old != nil {
			seq = old.Sequence()
			if err := tb.DeleteBucket(id); err != nil {
				return p, err
			}
		}
		if b, err = tb.CreateBucket(id); err != nil {
			return p, err
		}
		if err := b.SetSequence(seq); err != nil {
			return p, err
		}
	}
	if b == nil {
		return p, fmt.Errorf("%w: person %q has no template bucket", ErrCorrupt, p.ID)
	}
	if n := count + len(norm); n > s.cfg.MaxTemplatesPerPerson {
		return p, fmt.Errorf("%w: %d would exceed gallery.max_templates_per_person %d", ErrTooManyTemplates, n, s.cfg.MaxTemplatesPerPerson)
	}
	for _, t := range norm {
		tid, err := b.NextSequence()
		if err != nil {
			return p, err
		}
		rec, err := s.seal.seal(kindTemplate, p.ID, tid, encodeTemplate(t))
		if err != nil {
			return p, err
		}
		if err := b.Put(templateKey(tid), rec); err != nil {
			return p, err
		}
	}
	return p, s.putPerson(tx, personRecord{Person: p, templates: uint32(count + len(norm))})
}

// Revoke disables person id: it stays stored (and in manifests) but never
// matches. Revoking a revoked person changes nothing. It returns
// ErrNotFound for an unknown id. Enroll or ReplaceTemplates with
// Revoked false re-enables.
func (s *Store) Revoke(ctx context.Context, id string) error {
	var changed *Person
	return s.write(ctx, fmt.Sprintf("revoke %q", id), func(tx *bolt.Tx) error {
		p, exists, err := s.getPerson(tx, id)
		if err != nil {
			return err
		}
		if !exists {
			return ErrNotFound
		}
		if p.Revoked {
			return nil
		}
		p.Revoked = true
		p.Version++
		p.UpdatedAt = s.o.now()
		changed = &p.Person
		return s.putPerson(tx, p)
	}, func() {
		if changed != nil {
			s.ix.SetPerson(*changed)
		}
	})
}

// Erase deletes person id with all its templates and metadata, then
// compacts the file so the deleted bytes are no longer in it (bbolt would
// keep them in free pages). It returns ErrNotFound for an unknown id. If
// compaction fails the deletion stands and compaction is retried at the
// next Open.
func (s *Store) Erase(ctx context.Context, id string) error {
	op := fmt.Sprintf("erase %q", id)
	err := s.write(ctx, op, func(tx *bolt.Tx) error {
		k := []byte(id)
		if tx.Bucket(bucketPersons).Get(k) == nil {
			return ErrNotFound
		}
		if err := tx.Bucket(bucketPersons).Delete(k); err != nil {
			return err
		}
		if err := tx.Bucket(bucketTemplates).DeleteBucket(k); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyCompact, []byte("1"))
	}, func() { s.ix.Remove(id) })
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.db == nil {
		return fmt.Errorf("gallery %s: compact: %w", op, ErrClosed)
	}
	if err := s.compactLocked(); err != nil {
		return fmt.Errorf("gallery %s: deleted, but %w (retried at next open)", op, err)
	}
	return nil
}

// compactLocked rewrites the store into a new file holding only live data,
// fsyncs it, renames it over the old file and fsyncs the directory. s.mu
// must be held. On failure before the rename the old file stays in use.
func (s *Store) compactLocked() error {
	tmp := s.compactPath()
	_ = os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	err = bolt.Compact(dst, s.db, 4<<20)
	if err == nil {
		err = dst.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyCompact) })
	}
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncFile(tmp)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("compact: %w", err)
	}
	if err := s.db.Close(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("compact: close old file: %w", err)
	}
	s.db = nil
	renameErr := os.Rename(tmp, s.cfg.Path)
	if renameErr == nil {
		renameErr = syncDir(filepath.Dir(s.cfg.Path))
	} else {
		_ = os.Remove(tmp)
	}
	// Reopen whichever file is now in place.
	db, _, err := openBolt(s.cfg.Path)
	if err != nil {
		return fmt.Errorf("compact: reopen: %w (store unusable until restart)", err)
	}
	s.db = db
	if renameErr != nil {
		return fmt.Errorf("compact: %w", renameErr)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Person returns the stored metadata of person id, or ErrNotFound.
func (s *Store) Person(id string) (Person, error) {
	var p personRecord
	err := s.read(func(tx *bolt.Tx) error {
		var exists bool
		var err error
		p, exists, err = s.getPerson(tx, id)
		if err == nil && !exists {
			err = ErrNotFound
		}
		return err
	})
	if err != nil {
		return Person{}, fmt.Errorf("gallery person %q: %w", id, err)
	}
	return p.Person, nil
}

// Manifest lists every stored person with its version, sorted by id, for
// resync against the site manifest.
func (s *Store) Manifest() ([]ManifestEntry, error) {
	var out []ManifestEntry
	err := s.read(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPersons).ForEach(func(k, v []byte) error {
			p, err := openPerson(s.seal, string(k), v)
			if err != nil {
				return err
			}
			out = append(out, ManifestEntry{PersonID: p.ID, Version: p.Version, Revoked: p.Revoked,
				Templates: int(p.templates), UpdatedAt: p.UpdatedAt})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("gallery manifest: %w", err)
	}
	return out, nil
}

func (s *Store) read(fn func(*bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed || s.db == nil {
		return ErrClosed
	}
	return s.db.View(fn)
}

// Close closes the file. The Index stays searchable.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}

var _ io.Closer = (*Store)(nil)
