package mqtt

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// State is the device's durable command memory (bbolt, fsync): the last
// accepted sequence number of each admin and the ids of applied commands
// with the hash of their body and their ack, so a redelivery is acked
// again but applied once.
type State struct {
	db *bolt.DB
}

var (
	bucketAdminSeq = []byte("admin_seq")
	bucketApplied  = []byte("applied")
)

// AppliedRecord is what State remembers about an applied command.
type AppliedRecord struct {
	BodyHash [32]byte  `json:"body_hash"`
	Expires  time.Time `json:"expires"`
	Ack      Ack       `json:"ack"`
}

// OpenState opens or creates the state database.
func OpenState(path string) (*State, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("command state: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketAdminSeq, bucketApplied} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("command state: open %s: %w", path, err)
	}
	return &State{db: db}, nil
}

// Close closes the database.
func (s *State) Close() error { return s.db.Close() }

// LastSeq returns the last accepted sequence of admin (0 if none).
func (s *State) LastSeq(admin string) (uint64, error) {
	var seq uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketAdminSeq).Get([]byte(admin))
		if v == nil {
			return nil
		}
		if len(v) != 8 {
			return fmt.Errorf("admin %q sequence record has %d bytes, want 8", admin, len(v))
		}
		seq = binary.BigEndian.Uint64(v)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("command state: %w", err)
	}
	return seq, nil
}

// ErrNotApplied is returned by Applied for an unknown command id.
var ErrNotApplied = errors.New("command not applied")

// Applied returns the record of an applied command id.
func (s *State) Applied(id string) (AppliedRecord, error) {
	var rec AppliedRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketApplied).Get([]byte(id))
		if v == nil {
			return ErrNotApplied
		}
		var err error
		rec, err = DecodeAppliedRecord(v)
		if err != nil {
			return fmt.Errorf("applied command %q: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return AppliedRecord{}, fmt.Errorf("command state: %w", err)
	}
	return rec, nil
}

// Record stores an applied (or failed) command and raises admin's sequence.
func (s *State) Record(admin string, seq uint64, id string, rec AppliedRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("command state: %w", err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAdminSeq)
		if old := b.Get([]byte(admin)); len(old) != 8 || binary.BigEndian.Uint64(old) < seq {
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], seq)
			if err := b.Put([]byte(admin), k[:]); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketApplied).Put([]byte(id), v)
	})
	if err != nil {
		return fmt.Errorf("command state: record %s: %w", id, err)
	}
	return nil
}

// Prune forgets applied commands that expired before t. An expired command
// is rejected before its id is looked up, so its id is no longer needed.
// Unreadable records are pruned too and counted in bad.
func (s *State) Prune(t time.Time) (n, bad int, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketApplied).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			rec, err := DecodeAppliedRecord(v)
			if err != nil {
				bad++
			} else if !rec.Expires.Before(t) {
				continue
			}
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("command state: prune: %w", err)
	}
	return n, bad, nil
}

// DecodeAppliedRecord parses a stored applied-command record.
func DecodeAppliedRecord(b []byte) (AppliedRecord, error) {
	var rec AppliedRecord
	if err := strictUnmarshal(b, &rec); err != nil {
		return AppliedRecord{}, fmt.Errorf("applied record: %w", err)
	}
	if rec.Ack.CommandID == "" || rec.Ack.Status == "" {
		return AppliedRecord{}, errors.New("applied record: ack without command id or status")
	}
	return rec, nil
}

func bodyHash(body []byte) [32]byte { return sha256.Sum256(body) }
