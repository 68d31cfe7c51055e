package gallery

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestEmbedderRecord(t *testing.T) {
	f := newFixture(t)
	f.cfg.Embedder = "MobileFaceNet.tflite sha256:d8ba40c0"
	s := f.open()
	mustEnroll(t, s, Person{ID: "alice", Name: "Alice"}, f.vecs(2))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Same model: opens.
	s = f.open()
	if s.Quarantined() != nil {
		t.Fatalf("quarantined: %v", s.Quarantined())
	}
	s.Close()

	// Another model: refused, file untouched, data still there.
	other := f.cfg
	other.Embedder = "MobileFaceNet-int8.tflite sha256:8f404eba"
	before, err := os.ReadFile(f.cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), other)
	if !errors.Is(err, ErrEmbedderMismatch) {
		t.Fatalf("Open with another embedder: %v, want ErrEmbedderMismatch", err)
	}
	for _, want := range []string{"MobileFaceNet.tflite sha256:d8ba40c0", "MobileFaceNet-int8.tflite", "resync"} {
		if !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	after, _ := os.ReadFile(f.cfg.Path)
	if !bytes.Equal(before, after) {
		t.Fatal("a refused open changed the store file")
	}
	s = f.open()
	if _, err := s.Person("alice"); err != nil {
		t.Fatalf("alice after the refused open: %v", err)
	}
}

func TestEmbedderLegacyAndEmptyStores(t *testing.T) {
	// A store made before the record existed takes the configured model,
	// and from then on refuses another.
	f := newFixture(t)
	s := f.open()
	mustEnroll(t, s, Person{ID: "bob", Name: "Bob"}, f.vecs(1))
	s.Close()
	f.cfg.Embedder = "A"
	f.open().Close()
	b := f.cfg
	b.Embedder = "B"
	if _, err := Open(context.Background(), b); !errors.Is(err, ErrEmbedderMismatch) {
		t.Fatalf("legacy store recorded no embedder: %v", err)
	}

	// An empty store simply takes the new model.
	g := newFixture(t)
	g.cfg.Embedder = "A"
	g.open().Close()
	g.cfg.Embedder = "B"
	s = g.open()
	mustEnroll(t, s, Person{ID: "carol", Name: "Carol"}, g.vecs(1))
	s.Close()
	g.cfg.Embedder = "A"
	if _, err := Open(context.Background(), g.cfg); !errors.Is(err, ErrEmbedderMismatch) {
		t.Fatalf("empty store did not take the new embedder: %v", err)
	}
}

func TestEmbedderRecordAltered(t *testing.T) {
	f := newFixture(t)
	f.cfg.Embedder = "A"
	s := f.open()
	mustEnroll(t, s, Person{ID: "dave", Name: "Dave"}, f.vecs(1))
	s.Close()
	// Someone with write access to the file (but not the key) relabels
	// the templates as another model's: the MAC no longer matches.
	db, err := bolt.Open(f.cfg.Path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		v := append([]byte(nil), tx.Bucket(bucketMeta).Get(keyEmbedder)...)
		v[0] = 'B'
		return tx.Bucket(bucketMeta).Put(keyEmbedder, v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	f.cfg.Embedder = "B"
	s = f.open()
	if s.Quarantined() == nil {
		t.Fatal("an altered embedder record was accepted")
	}
}
