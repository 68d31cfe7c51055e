package gallery

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fixture is a store in a temporary directory with a fixed clock.
type fixture struct {
	t   *testing.T
	cfg Config
	now time.Time
	r   *rand.Rand
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	cfg := Config{Path: filepath.Join(dir, "db", "gallery.db"), KeyFile: filepath.Join(dir, "keys", "gallery.key")}
	if err := CreateKey(cfg.KeyFile); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, cfg: cfg, now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC), r: rand.New(rand.NewPCG(11, 12))}
}

func (f *fixture) open(opts ...Option) *Store {
	f.t.Helper()
	opts = append([]Option{WithClock(func() time.Time { return f.now })}, opts...)
	s, err := Open(context.Background(), f.cfg, opts...)
	if err != nil {
		f.t.Fatalf("Open: %v", err)
	}
	f.t.Cleanup(func() { _ = s.Close() })
	return s
}

func (f *fixture) vecs(n int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		out[i] = randVec(f.r, DefaultDim)
	}
	return out
}

func mustEnroll(t *testing.T, s *Store, p Person, ts [][]float32) {
	t.Helper()
	if err := s.Enroll(context.Background(), p, ts); err != nil {
		t.Fatalf("Enroll(%s): %v", p.ID, err)
	}
}

func embeddingBytes(v []float32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, mathFloat32bits(x))
	}
	return b
}

func TestStoreRoundTrip(t *testing.T) {
	f := newFixture(t)
	s := f.open()
	ctx := context.Background()
	alice, bob := f.vecs(3), f.vecs(2)
	from := f.now.Add(-time.Hour)
	mustEnroll(t, s, Person{ID: "alice", Name: "Alice Ä", ValidFrom: from}, alice[:2])
	mustEnroll(t, s, Person{ID: "alice", Name: "Alice Ä", ValidFrom: from}, alice[2:])
	mustEnroll(t, s, Person{ID: "bob", Name: "Bob", Version: 7}, bob)
	if err := s.Revoke(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Revoke(nobody) = %v, want ErrNotFound", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = f.open()
	if q := s.Quarantined(); q != nil {
		t.Fatalf("healthy store quarantined: %v", q)
	}
	if r, d := s.Degraded(); d {
		t.Fatalf("healthy store degraded: %s", r)
	}
	m, err := s.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	want := []ManifestEntry{
		{PersonID: "alice", Version: 2, Templates: 3},
		{PersonID: "bob", Version: 8, Revoked: true, Templates: 2},
	}
	if len(m) != len(want) {
		t.Fatalf("manifest %+v, want %+v", m, want)
	}
	for i := range want {
		got := m[i]
		if !got.UpdatedAt.Equal(f.now) {
			t.Errorf("manifest[%d].UpdatedAt = %v, want %v", i, got.UpdatedAt, f.now)
		}
		got.UpdatedAt = time.Time{}
		if got != want[i] {
			t.Errorf("manifest[%d] = %+v, want %+v", i, got, want[i])
		}
	}
	p, err := s.Person("alice")
	if err != nil || p.Name != "Alice Ä" || !p.ValidFrom.Equal(from) || p.Revoked {
		t.Errorf("Person(alice) = %+v, %v", p, err)
	}
	if _, err := s.Person("carol"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Person(carol) error %v, want ErrNotFound", err)
	}
	// The index was loaded from disk: each of alice's templates finds her;
	// bob is revoked and only shows up as excluded.
	for i, v := range alice {
		res, err := s.Index().Search(v, f.now)
		if err != nil || res.Best.PersonID != "alice" || res.Best.Score < 0.9999 {
			t.Errorf("search alice template %d: %+v, %v", i, res.Best, err)
		}
	}
	res, _ := s.Index().Search(bob[1], f.now)
	if res.Best.PersonID == "bob" || res.Excluded.PersonID != "bob" || res.Why != Revoked {
		t.Errorf("search bob after revoke: %+v", res)
	}

	// ReplaceTemplates drops the old templates; re-enabling by update.
	newBob := f.vecs(1)
	if err := s.ReplaceTemplates(ctx, Person{ID: "bob", Name: "Bob"}, newBob); err != nil {
		t.Fatal(err)
	}
	res, _ = s.Index().Search(bob[0], f.now)
	if res.Best.PersonID == "bob" && res.Best.Score > 0.5 {
		t.Errorf("old bob template still matches after replace: %+v", res.Best)
	}
	res, _ = s.Index().Search(newBob[0], f.now)
	if res.Best.PersonID != "bob" {
		t.Errorf("new bob template: best %+v", res.Best)
	}
	_ = s.Close()
	s = f.open()
	if m, _ := s.Manifest(); len(m) != 2 || m[1].Templates != 1 || m[1].Version != 9 || m[1].Revoked {
		t.Errorf("after replace and reopen manifest %+v", m)
	}
}

// TestBadWritesKeepData: rejected writes change nothing on disk or in memory.
func TestBadWritesKeepData(t *testing.T) {
	f := newFixture(t)
	f.cfg.MaxTemplatesPerPerson = 3
	s := f.open()
	ctx := context.Background()
	alice := f.vecs(2)
	mustEnroll(t, s, Person{ID: "alice", Version: 5}, alice)
	nan := f.vecs(1)
	nan[0][3] = float32(mathNaN())
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"nan template", func() error { return s.Enroll(ctx, Person{ID: "alice"}, append(f.vecs(1), nan...)) }, ErrInvalidTemplate},
		{"wrong dim", func() error { return s.Enroll(ctx, Person{ID: "alice"}, [][]float32{{1, 2, 3}}) }, ErrInvalidTemplate},
		{"no templates", func() error { return s.Enroll(ctx, Person{ID: "alice"}, nil) }, ErrInvalidTemplate},
		{"too many", func() error { return s.Enroll(ctx, Person{ID: "alice"}, f.vecs(2)) }, ErrTooManyTemplates},
		{"stale version", func() error { return s.ReplaceTemplates(ctx, Person{ID: "alice", Version: 4}, f.vecs(1)) }, ErrStaleVersion},
		{"bad id", func() error { return s.Enroll(ctx, Person{ID: "a\x00b"}, f.vecs(1)) }, ErrInvalidPerson},
		{"long name", func() error {
			return s.Enroll(ctx, Person{ID: "x", Name: strings.Repeat("n", MaxNameLen+1)}, f.vecs(1))
		}, ErrInvalidPerson},
		{"erase unknown", func() error { return s.Erase(ctx, "nobody") }, ErrNotFound},
		{"canceled", func() error {
			c, cancel := context.WithCancel(ctx)
			cancel()
			return s.Enroll(c, Person{ID: "zed"}, f.vecs(1))
		}, context.Canceled},
	}
	for _, tt := range tests {
		if err := tt.do(); !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
	check := func(s *Store) {
		t.Helper()
		m, err := s.Manifest()
		if err != nil || len(m) != 1 || m[0].PersonID != "alice" || m[0].Templates != 2 || m[0].Version != 5 {
			t.Errorf("manifest after rejected writes: %+v, %v", m, err)
		}
		if p, n := s.Index().Len(); p != 1 || n != 2 {
			t.Errorf("index after rejected writes: %d persons, %d templates; want 1, 2", p, n)
		}
	}
	check(s)
	_ = s.Close()
	check(f.open())
	if err := s.Enroll(ctx, Person{ID: "late"}, f.vecs(1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Enroll after Close: %v, want ErrClosed", err)
	}
}

// rawRecords returns every sealed value stored for person id in a closed store file.
func rawRecords(t *testing.T, path, id string) [][]byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return dbRecords(t, db, id)
}

// storeRecords is rawRecords for an open store.
func storeRecords(t *testing.T, s *Store, id string) [][]byte {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	return dbRecords(t, s.db, id)
}

func dbRecords(t *testing.T, db *bolt.DB, id string) [][]byte {
	t.Helper()
	var out [][]byte
	err := db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketPersons).Get([]byte(id)); v != nil {
			out = append(out, bytes.Clone(v))
		}
		if b := tx.Bucket(bucketTemplates).Bucket([]byte(id)); b != nil {
			return b.ForEach(func(_, v []byte) error { out = append(out, bytes.Clone(v)); return nil })
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func fileContains(t *testing.T, path string, needle []byte) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(b, needle)
}

// TestEraseRemovesBytes searches the raw database file for the erased
// person's ciphertexts, id and embedding bytes.
func TestEraseRemovesBytes(t *testing.T) {
	for _, compact := range []bool{true, false} {
		t.Run(fmt.Sprintf("compact=%v", compact), func(t *testing.T) {
			f := newFixture(t)
			s := f.open()
			ctx := context.Background()
			const victim = "erase-me-7f3a9c"
			victimVecs := f.vecs(3)
			keep := f.vecs(2)
			mustEnroll(t, s, Person{ID: "keeper", Name: "Keeper"}, keep)
			mustEnroll(t, s, Person{ID: victim, Name: "Victim"}, victimVecs)
			// Some churn so the victim's pages are interleaved with live data.
			for i := range 20 {
				mustEnroll(t, s, Person{ID: fmt.Sprintf("other-%02d", i)}, f.vecs(2))
			}
			recs := storeRecords(t, s, victim)
			if len(recs) != 4 {
				t.Fatalf("victim has %d stored records, want 4", len(recs))
			}
			for i, r := range recs {
				if !fileContains(t, f.cfg.Path, r) {
					t.Fatalf("control: record %d of the victim not found in the file before erase", i)
				}
			}
			for i, v := range victimVecs {
				if fileContains(t, f.cfg.Path, embeddingBytes(v)) {
					t.Errorf("plaintext embedding %d found in the file: templates are not encrypted", i)
				}
			}
			if !fileContains(t, f.cfg.Path, []byte(victim)) {
				t.Fatal("control: victim id not found in the file before erase")
			}

			if compact {
				if err := s.Erase(ctx, victim); err != nil {
					t.Fatal(err)
				}
			} else {
				// What Erase would leave without compaction.
				s.mu.Lock()
				err := s.db.Update(func(tx *bolt.Tx) error {
					if err := tx.Bucket(bucketPersons).Delete([]byte(victim)); err != nil {
						return err
					}
					return tx.Bucket(bucketTemplates).DeleteBucket([]byte(victim))
				})
				s.mu.Unlock()
				if err != nil {
					t.Fatal(err)
				}
			}
			leaked := 0
			for _, r := range recs {
				if fileContains(t, f.cfg.Path, r) {
					leaked++
				}
			}
			if compact {
				if leaked != 0 {
					t.Errorf("%d of %d erased records still in the file", leaked, len(recs))
				}
				if fileContains(t, f.cfg.Path, []byte(victim)) {
					t.Error("erased person id still in the file")
				}
				if _, err := os.Stat(f.cfg.Path + ".compact"); err == nil {
					t.Error("compaction temp file left behind")
				}
			} else if leaked == 0 {
				// Shows the test can fail: bbolt keeps deleted values in free pages.
				t.Error("deleted records vanished without compaction; the erase test no longer proves compaction works")
			}
			if !compact {
				return
			}
			res, _ := s.Index().Search(victimVecs[0], f.now)
			if res.Best.PersonID == victim || res.Excluded.PersonID == victim {
				t.Errorf("erased person still in index: %+v", res)
			}
			// Other data survives and the store reopens clean.
			if err := s.Enroll(ctx, Person{ID: "after"}, f.vecs(1)); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			s = f.open()
			if s.Quarantined() != nil {
				t.Fatalf("store after erase quarantined: %v", s.Quarantined())
			}
			res, _ = s.Index().Search(keep[1], f.now)
			if res.Best.PersonID != "keeper" {
				t.Errorf("keeper after erase+reopen: %+v", res.Best)
			}
			if m, _ := s.Manifest(); len(m) != 22 {
				t.Errorf("manifest has %d persons after erase, want 22", len(m))
			}
		})
	}
}

// TestEraseCompactionResumes: a crash between the delete commit and the
// compaction is finished at the next Open.
func TestEraseCompactionResumes(t *testing.T) {
	f := newFixture(t)
	s := f.open()
	const victim = "victim-42"
	mustEnroll(t, s, Person{ID: "keeper"}, f.vecs(1))
	mustEnroll(t, s, Person{ID: victim}, f.vecs(2))
	recs := storeRecords(t, s, victim)
	s.mu.Lock()
	err := s.db.Update(func(tx *bolt.Tx) error {
		_ = tx.Bucket(bucketPersons).Delete([]byte(victim))
		_ = tx.Bucket(bucketTemplates).DeleteBucket([]byte(victim))
		return tx.Bucket(bucketMeta).Put(keyCompact, []byte("1"))
	})
	s.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	// A stale temp file from the interrupted compaction.
	if err := os.WriteFile(f.cfg.Path+".compact", []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = f.open()
	if s.Quarantined() != nil {
		t.Fatalf("quarantined: %v", s.Quarantined())
	}
	for i, r := range recs {
		if fileContains(t, f.cfg.Path, r) {
			t.Errorf("record %d still in the file after resumed compaction", i)
		}
	}
	if _, err := os.Stat(f.cfg.Path + ".compact"); err == nil {
		t.Error("stale compaction temp file not removed")
	}
	_ = s.Close()
	db, err := bolt.Open(f.cfg.Path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta).Get(keyCompact) != nil {
			t.Error("compact marker still set")
		}
		return nil
	})
}

// corrupt applies fn to the raw bytes of the file.
func corrupt(t *testing.T, path string, fn func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, fn(b), 0o600); err != nil {
		t.Fatal(err)
	}
}

func flipAt(needle []byte, off int) func([]byte) []byte {
	return func(b []byte) []byte {
		i := bytes.Index(b, needle)
		if i < 0 {
			panic("needle not in file")
		}
		b[i+off] ^= 0x5a
		return b
	}
}

// TestQuarantine flips bytes in the store file: Open must move it aside,
// report a typed Quarantine, and hand back an empty, degraded store whose
// search results say so — never the altered data.
func TestQuarantine(t *testing.T) {
	type setup struct {
		s      *Store
		f      *fixture
		alice  [][]float32
		aliceR [][]byte // person record, then templates
		header []byte
	}
	tests := []struct {
		name    string
		damage  func(t *testing.T, su *setup)
		wantErr error
	}{
		{"template ciphertext", func(t *testing.T, su *setup) { corrupt(t, su.f.cfg.Path, flipAt(su.aliceR[1], 30)) }, ErrCorrupt},
		{"template tag", func(t *testing.T, su *setup) {
			corrupt(t, su.f.cfg.Path, flipAt(su.aliceR[2], len(su.aliceR[2])-1))
		}, ErrCorrupt},
		{"person record", func(t *testing.T, su *setup) { corrupt(t, su.f.cfg.Path, flipAt(su.aliceR[0], 20)) }, ErrCorrupt},
		{"record version byte", func(t *testing.T, su *setup) { corrupt(t, su.f.cfg.Path, flipAt(su.aliceR[1], 0)) }, ErrCorrupt},
		{"header MAC", func(t *testing.T, su *setup) { corrupt(t, su.f.cfg.Path, flipAt(su.header, headerLen-3)) }, ErrCorrupt},
		{"header dimension", func(t *testing.T, su *setup) { corrupt(t, su.f.cfg.Path, flipAt(su.header, 11)) }, ErrCorrupt},
		{"both meta pages", func(t *testing.T, su *setup) {
			corrupt(t, su.f.cfg.Path, func(b []byte) []byte {
				ps := os.Getpagesize()
				for _, off := range []int{16 + 8, ps + 16 + 8} { // page-size field of each meta page
					b[off] ^= 0xff
				}
				return b
			})
		}, ErrCorrupt},
		{"truncated", func(t *testing.T, su *setup) {
			corrupt(t, su.f.cfg.Path, func(b []byte) []byte { return b[:len(b)/3] })
		}, ErrCorrupt},
		{"garbage", func(t *testing.T, su *setup) {
			corrupt(t, su.f.cfg.Path, func(b []byte) []byte { return bytes.Repeat([]byte("not a database "), 1000) })
		}, ErrCorrupt},
		{"record moved to another person", func(t *testing.T, su *setup) {
			// Valid ciphertext of alice's template placed in bob's bucket: AD
			// binding makes it fail.
			db, err := bolt.Open(su.f.cfg.Path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bolt.Tx) error {
				bob := tx.Bucket(bucketTemplates).Bucket([]byte("bob"))
				return bob.Put(templateKey(1), su.aliceR[1])
			})
			_ = db.Close()
			if err != nil {
				t.Fatal(err)
			}
		}, ErrCorrupt},
		{"wrong key", func(t *testing.T, su *setup) {
			if err := os.Remove(su.f.cfg.KeyFile); err != nil {
				t.Fatal(err)
			}
			if err := CreateKey(su.f.cfg.KeyFile); err != nil {
				t.Fatal(err)
			}
		}, ErrWrongKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			s := f.open()
			su := &setup{s: s, f: f, alice: f.vecs(2)}
			mustEnroll(t, s, Person{ID: "alice", Name: "Alice"}, su.alice)
			mustEnroll(t, s, Person{ID: "bob"}, f.vecs(1))
			_ = s.Close()
			su.aliceR = rawRecords(t, f.cfg.Path, "alice")
			db, err := bolt.Open(f.cfg.Path, 0o600, &bolt.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			_ = db.View(func(tx *bolt.Tx) error { su.header = bytes.Clone(tx.Bucket(bucketMeta).Get(keyHeader)); return nil })
			_ = db.Close()
			before, _ := os.ReadFile(f.cfg.Path)

			tt.damage(t, su)
			damaged, _ := os.ReadFile(f.cfg.Path)
			if tt.name != "wrong key" && bytes.Equal(before, damaged) {
				t.Fatal("damage did not change the file")
			}
			f.now = f.now.Add(time.Minute)
			s = f.open()

			q := s.Quarantined()
			if q == nil {
				t.Fatal("Quarantined() = nil, want a report")
			}
			t.Logf("quarantined: %v", q.Err)
			if !errors.Is(q, tt.wantErr) {
				t.Errorf("quarantine error %v, want %v", q.Err, tt.wantErr)
			}
			wantPath := f.cfg.Path + ".quarantined-20260304T050707Z"
			if q.MovedTo != wantPath || q.Path != f.cfg.Path || !q.At.Equal(f.now) {
				t.Errorf("quarantine %+v, want moved to %s at %v", q, wantPath, f.now)
			}
			moved, err := os.ReadFile(q.MovedTo)
			if err != nil || !bytes.Equal(moved, damaged) {
				t.Errorf("quarantined file not kept byte for byte (%v)", err)
			}
			reason, degraded := s.Degraded()
			if !degraded || !strings.Contains(reason, "resync") {
				t.Errorf("Degraded() = %q, %v; want degraded", reason, degraded)
			}
			if m, err := s.Manifest(); err != nil || len(m) != 0 {
				t.Errorf("manifest of replacement store: %+v, %v; want empty", m, err)
			}
			res, err := s.Index().Search(su.alice[0], f.now)
			if err != nil || res.Best.PersonID != "" || !res.Degraded {
				t.Errorf("search on quarantined store: %+v, %v; want no match, degraded", res, err)
			}

			// Degraded survives a restart, and a resync can proceed.
			_ = s.Close()
			s = f.open()
			if s.Quarantined() != nil {
				t.Errorf("replacement store quarantined again: %v", s.Quarantined())
			}
			if _, d := s.Degraded(); !d {
				t.Error("degraded flag lost across restart")
			}
			mustEnroll(t, s, Person{ID: "alice"}, su.alice)
			res, _ = s.Index().Search(su.alice[0], f.now)
			if res.Best.PersonID != "alice" || !res.Degraded {
				t.Errorf("after partial resync: %+v; want alice, still degraded", res)
			}
			if err := s.ClearDegraded(context.Background()); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			s = f.open()
			res, _ = s.Index().Search(su.alice[0], f.now)
			if _, d := s.Degraded(); d || res.Degraded || res.Best.PersonID != "alice" {
				t.Errorf("after ClearDegraded and reopen: %+v", res)
			}
		})
	}
}

func TestOpenErrorsLeaveFileAlone(t *testing.T) {
	f := newFixture(t)
	s := f.open()
	mustEnroll(t, s, Person{ID: "alice"}, f.vecs(1))

	// Locked by the open store: an error, not a quarantine.
	s2, err := Open(context.Background(), f.cfg)
	if err == nil {
		_ = s2.Close()
		t.Fatal("second Open of a locked store succeeded")
	}
	if !strings.Contains(err.Error(), "locked") {
		t.Errorf("locked store error %q does not say locked", err)
	}
	_ = s.Close()

	// A different dimension is a config error.
	cfg := f.cfg
	cfg.Dim = 128
	if _, err := Open(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "gallery.dim") {
		t.Errorf("dimension mismatch error %v, want one naming gallery.dim", err)
	}
	// Key file readable by others.
	if err := os.Chmod(f.cfg.KeyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), f.cfg); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("open with 0644 key: %v, want chmod advice", err)
	}
	_ = os.Chmod(f.cfg.KeyFile, 0o600)
	matches, _ := filepath.Glob(f.cfg.Path + ".quarantined-*")
	if len(matches) != 0 {
		t.Errorf("config errors quarantined the store: %v", matches)
	}
	s = f.open()
	if m, _ := s.Manifest(); len(m) != 1 {
		t.Errorf("store after config errors: %+v", m)
	}
}

// TestStoreConcurrent enrolls, revokes and erases while searching; run with -race.
func TestStoreConcurrent(t *testing.T) {
	f := newFixture(t)
	s := f.open()
	ctx := context.Background()
	anchor := f.vecs(1)
	mustEnroll(t, s, Person{ID: "anchor"}, anchor)
	vecs := f.vecs(10)
	done := make(chan error)
	go func() {
		for i := range 30 {
			id := fmt.Sprint("p", i%5)
			var err error
			switch i % 3 {
			case 0:
				err = s.Enroll(ctx, Person{ID: id}, vecs[i%10:i%10+1])
			case 1:
				err = s.Revoke(ctx, id)
			case 2:
				err = s.Erase(ctx, id)
			}
			if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrTooManyTemplates) {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Manifest(); err != nil {
				t.Fatal(err)
			}
			return
		default:
		}
		res, err := s.Index().Search(anchor[0], f.now)
		if err != nil || res.Best.PersonID != "anchor" {
			t.Fatalf("search during updates: %+v, %v", res, err)
		}
		if _, err := s.Manifest(); err != nil {
			t.Fatal(err)
		}
	}
}

func mathFloat32bits(f float32) uint32 { return math.Float32bits(f) }
func mathNaN() float64                 { return math.NaN() }

func TestOpenCanceled(t *testing.T) {
	f := newFixture(t)
	s := f.open()
	mustEnroll(t, s, Person{ID: "alice"}, f.vecs(1))
	_ = s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, f.cfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with canceled ctx: %v, want context.Canceled", err)
	}
	if s := f.open(); s.Quarantined() != nil {
		t.Errorf("canceled Open quarantined the store")
	}
}
