// Package outbox is the durable queue every facegate event passes through
// before it is published: a bbolt database (fsync on every transaction) keyed
// by the device's event sequence number.
//
// An event is appended (and fsynced) before anyone tries to publish it, and
// removed only after the broker acknowledged it, so a crash or a broker outage
// can duplicate events but never lose them. The sequence counter lives in the
// same database, so sequence numbers survive restarts and are never reused.
package outbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Policy says what Append does when the outbox holds Capacity records.
type Policy string

const (
	// DropOldest deletes the oldest records to make room and reports how
	// many were dropped (AppendResult.Dropped), so the caller can record an
	// outbox_overflow event.
	DropOldest Policy = "drop_oldest"
	// Reject makes Append fail with ErrFull.
	Reject Policy = "reject"
)

// DefaultCapacity is the default maximum number of queued records.
const DefaultCapacity = 100_000

// ErrFull is returned by Append when the outbox is full and the policy is Reject.
var ErrFull = errors.New("outbox full")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("outbox closed")

// Options configure an Outbox. Zero values take defaults.
type Options struct {
	// Capacity is the maximum number of queued records (default 100,000).
	Capacity int
	// Policy applies when full (default DropOldest).
	Policy Policy
	// AlarmPercent is the fill level, in percent of Capacity, at which
	// Append reports Alarm once (default 80).
	AlarmPercent int
	// NoSync disables fsync. Only for benchmarks; never in production.
	NoSync bool
}

var (
	bucketRecords    = []byte("records")
	bucketMeta       = []byte("meta")
	bucketQuarantine = []byte("quarantine")
	keyLastSeq       = []byte("last_seq")
)

// Record is one queued payload.
type Record struct {
	// Seq is the sequence number assigned by Append, starting at 1.
	Seq uint64
	// Payload is the bytes given by the build function.
	Payload []byte
}

// AppendResult tells the caller about side effects of an Append.
type AppendResult struct {
	// Seq is the sequence number of the appended record.
	Seq uint64
	// Dropped is the number of oldest records deleted to make room
	// (DropOldest policy: a block of 1% of Capacity at a time);
	// FirstDropped and LastDropped are their range.
	Dropped                   int
	FirstDropped, LastDropped uint64
	// Alarm is true when this append made the outbox cross AlarmPercent
	// from below. It is reported once until the level falls below again.
	Alarm bool
	// Len is the number of queued records after the append.
	Len int
}

// Outbox is a durable FIFO of records. It is safe for concurrent use.
type Outbox struct {
	db   *bolt.DB
	path string
	opts Options

	mu       sync.Mutex
	n        int // queued records
	alarmed  bool
	closed   bool
	overflow func(seq uint64, d Dropped) ([]byte, error)
	notify   chan struct{} // closed and replaced by every Append
}

// Dropped describes records deleted by the DropOldest policy.
type Dropped struct {
	// N records were dropped, sequence numbers First..Last.
	N           int
	First, Last uint64
}

// SetOverflowRecord makes Append record a notice when it drops records:
// build is called in the same transaction with the notice's sequence number
// (just before the new record's) and what was dropped. Without it drops are
// only reported in AppendResult.
func (o *Outbox) SetOverflowRecord(build func(seq uint64, d Dropped) ([]byte, error)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.overflow = build
}

// Open opens or creates the outbox database at path.
func Open(path string, opts Options) (*Outbox, error) {
	if opts.Capacity == 0 {
		opts.Capacity = DefaultCapacity
	}
	if opts.Capacity < 0 {
		return nil, fmt.Errorf("outbox: capacity %d must be positive", opts.Capacity)
	}
	if opts.Policy == "" {
		opts.Policy = DropOldest
	}
	if opts.Policy != DropOldest && opts.Policy != Reject {
		return nil, fmt.Errorf("outbox: full policy %q: want %q or %q", opts.Policy, DropOldest, Reject)
	}
	if opts.AlarmPercent == 0 {
		opts.AlarmPercent = 80
	}
	if opts.AlarmPercent < 1 || opts.AlarmPercent > 100 {
		return nil, fmt.Errorf("outbox: alarm percent %d must be 1..100", opts.AlarmPercent)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second, NoSync: opts.NoSync})
	if err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", path, err)
	}
	o := &Outbox{db: db, path: path, opts: opts, notify: make(chan struct{})}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketRecords, bucketMeta, bucketQuarantine} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		o.n = tx.Bucket(bucketRecords).Stats().KeyN
		if v := tx.Bucket(bucketMeta).Get(keyLastSeq); v != nil && len(v) != 8 {
			return fmt.Errorf("meta %s has %d bytes, want 8", keyLastSeq, len(v))
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox: open %s: %w", path, err)
	}
	o.alarmed = o.n*100 >= opts.AlarmPercent*opts.Capacity
	return o, nil
}

// Path returns the database file path.
func (o *Outbox) Path() string { return o.path }

// Capacity returns the configured capacity.
func (o *Outbox) Capacity() int { return o.opts.Capacity }

// Len returns the number of queued records.
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n
}

// Notify returns a channel that is closed by the next Append. Any number of
// goroutines may wait on it. To not miss an append, take the channel before
// reading the queue, then wait on it.
func (o *Outbox) Notify() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.notify
}

// Append assigns the next sequence number, calls build with it to make the
// payload, and stores the record durably (fsync) before returning. build
// runs inside the write transaction and must not call the Outbox.
func (o *Outbox) Append(build func(seq uint64) ([]byte, error)) (AppendResult, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return AppendResult{}, ErrClosed
	}
	var res AppendResult
	n := o.n
	err := o.db.Update(func(tx *bolt.Tx) error {
		recs, meta := tx.Bucket(bucketRecords), tx.Bucket(bucketMeta)
		var last uint64
		if v := meta.Get(keyLastSeq); v != nil {
			last = binary.BigEndian.Uint64(v)
		}
		if n >= o.opts.Capacity {
			if o.opts.Policy == Reject {
				return fmt.Errorf("append: %d of %d records queued: %w", n, o.opts.Capacity, ErrFull)
			}
			// Drop a block of 1% at once, so that under sustained
			// overflow a notice is written once per block rather than
			// once per record, plus room for the notice itself.
			room := max(1, o.opts.Capacity/100)
			if o.overflow != nil {
				room++
			}
			target := max(o.opts.Capacity-room, 0)
			c := recs.Cursor()
			for k, _ := c.First(); k != nil && n > target; k, _ = c.Next() {
				seq := binary.BigEndian.Uint64(k)
				if res.Dropped == 0 {
					res.FirstDropped = seq
				}
				res.LastDropped = seq
				if err := c.Delete(); err != nil {
					return err
				}
				res.Dropped++
				n--
			}
			if o.overflow != nil && res.Dropped > 0 {
				last++
				notice, err := o.overflow(last, Dropped{N: res.Dropped, First: res.FirstDropped, Last: res.LastDropped})
				if err != nil {
					return fmt.Errorf("build overflow notice %d: %w", last, err)
				}
				if err := recs.Put(seqKey(last), EncodeRecord(notice)); err != nil {
					return err
				}
				n++
			}
		}
		seq := last + 1
		payload, err := build(seq)
		if err != nil {
			return fmt.Errorf("build record %d: %w", seq, err)
		}
		if err := recs.Put(seqKey(seq), EncodeRecord(payload)); err != nil {
			return err
		}
		if err := meta.Put(keyLastSeq, seqKey(seq)); err != nil {
			return err
		}
		res.Seq = seq
		n++
		return nil
	})
	if err != nil {
		return AppendResult{}, fmt.Errorf("outbox: %w", err)
	}
	o.n = n
	res.Len = n
	high := n*100 >= o.opts.AlarmPercent*o.opts.Capacity
	if high && !o.alarmed {
		res.Alarm = true
	}
	o.alarmed = high
	close(o.notify)
	o.notify = make(chan struct{})
	return res, nil
}

// LastSeq returns the last sequence number assigned (0 if none).
func (o *Outbox) LastSeq() (uint64, error) {
	var last uint64
	err := o.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyLastSeq); v != nil {
			last = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("outbox: read last sequence: %w", err)
	}
	return last, nil
}

// CorruptError reports a stored record that failed its checks. Next stops
// before it; the caller should Quarantine it and report it.
type CorruptError struct {
	// Seq is the record's sequence number (its key).
	Seq uint64
	// Err says what was wrong.
	Err error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("outbox record %d (key %016x): %v", e.Seq, e.Seq, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Next returns up to max records with a sequence number above after, oldest
// first. If it meets a corrupt record it returns the good records before it
// and a *CorruptError naming the bad one.
func (o *Outbox) Next(after uint64, max int) ([]Record, error) {
	var out []Record
	var cerr error
	err := o.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRecords).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(out) < max; k, v = c.Next() {
			if len(k) != 8 {
				cerr = &CorruptError{Err: fmt.Errorf("key %x has %d bytes, want 8", k, len(k))}
				return nil
			}
			seq := binary.BigEndian.Uint64(k)
			p, err := DecodeRecord(v)
			if err != nil {
				cerr = &CorruptError{Seq: seq, Err: err}
				return nil
			}
			out = append(out, Record{Seq: seq, Payload: p})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: read: %w", err)
	}
	return out, cerr
}

// Remove deletes the records with the given sequence numbers in one
// transaction. Missing records are ignored.
func (o *Outbox) Remove(seqs ...uint64) error {
	if len(seqs) == 0 {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	removed := 0
	err := o.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		for _, s := range seqs {
			k := seqKey(s)
			if b.Get(k) == nil {
				continue
			}
			if err := b.Delete(k); err != nil {
				return err
			}
			removed++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("outbox: remove %d records: %w", len(seqs), err)
	}
	o.n -= removed
	if o.n*100 < o.opts.AlarmPercent*o.opts.Capacity {
		o.alarmed = false
	}
	return nil
}

// Quarantine moves a record (typically a corrupt one) out of the queue into
// a quarantine bucket, keeping its bytes for inspection.
func (o *Outbox) Quarantine(seq uint64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	moved := false
	err := o.db.Update(func(tx *bolt.Tx) error {
		k := seqKey(seq)
		v := tx.Bucket(bucketRecords).Get(k)
		if v == nil {
			return nil
		}
		if err := tx.Bucket(bucketQuarantine).Put(k, append([]byte(nil), v...)); err != nil {
			return err
		}
		moved = true
		return tx.Bucket(bucketRecords).Delete(k)
	})
	if err != nil {
		return fmt.Errorf("outbox: quarantine record %d: %w", seq, err)
	}
	if moved {
		o.n--
	}
	return nil
}

// Close closes the database. Queued records stay on disk.
func (o *Outbox) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	if err := o.db.Close(); err != nil {
		return fmt.Errorf("outbox: close %s: %w", o.path, err)
	}
	return nil
}

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// Record encoding: version byte 1, uvarint payload length, payload, CRC-32C
// (Castagnoli) of everything before it, big endian.
const recordVersion = 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// EncodeRecord returns the stored form of payload.
func EncodeRecord(payload []byte) []byte {
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(payload)+4)
	b = append(b, recordVersion)
	b = binary.AppendUvarint(b, uint64(len(payload)))
	b = append(b, payload...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// DecodeRecord checks a stored record and returns a copy of its payload.
func DecodeRecord(b []byte) ([]byte, error) {
	if len(b) < 6 {
		return nil, fmt.Errorf("record has %d bytes, shorter than the 6-byte minimum", len(b))
	}
	if b[0] != recordVersion {
		return nil, fmt.Errorf("record version %d, want %d", b[0], recordVersion)
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return nil, fmt.Errorf("checksum mismatch: stored %08x, computed %08x", sum, got)
	}
	n, k := binary.Uvarint(body[1:])
	if k <= 0 {
		return nil, errors.New("bad payload length")
	}
	rest := body[1+k:]
	if uint64(len(rest)) != n {
		return nil, fmt.Errorf("payload length %d, but %d bytes stored", n, len(rest))
	}
	return append([]byte(nil), rest...), nil
}
