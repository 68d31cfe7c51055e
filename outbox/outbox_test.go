package outbox

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func payload(s string) func(uint64) ([]byte, error) {
	return func(seq uint64) ([]byte, error) { return []byte(fmt.Sprintf("%s-%d", s, seq)), nil }
}

func open(t *testing.T, path string, opts Options) *Outbox {
	t.Helper()
	o, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

func TestAppendNextRemoveSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	o := open(t, path, Options{})
	for i := 1; i <= 5; i++ {
		res, err := o.Append(payload("e"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Seq != uint64(i) || res.Len != i {
			t.Fatalf("append %d: got seq %d len %d", i, res.Seq, res.Len)
		}
	}
	recs, err := o.Next(0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0].Seq != 1 || string(recs[2].Payload) != "e-3" {
		t.Fatalf("Next(0,3) = %+v", recs)
	}
	if err := o.Remove(1, 2, 99); err != nil {
		t.Fatal(err)
	}
	if o.Len() != 3 {
		t.Fatalf("Len = %d, want 3", o.Len())
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}

	o = open(t, path, Options{})
	if o.Len() != 3 {
		t.Fatalf("after reopen Len = %d, want 3", o.Len())
	}
	res, err := o.Append(payload("f"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Seq != 6 {
		t.Fatalf("sequence after reopen = %d, want 6 (never reused)", res.Seq)
	}
	recs, err = o.Next(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, r := range recs {
		got = append(got, r.Seq)
	}
	if fmt.Sprint(got) != "[3 4 5 6]" {
		t.Fatalf("queued seqs = %v, want [3 4 5 6]", got)
	}
	// Removing everything keeps the counter.
	if err := o.Remove(got...); err != nil {
		t.Fatal(err)
	}
	if last, _ := o.LastSeq(); last != 6 {
		t.Fatalf("LastSeq = %d, want 6", last)
	}
}

func TestFullPolicies(t *testing.T) {
	t.Run("drop_oldest", func(t *testing.T) {
		o := open(t, filepath.Join(t.TempDir(), "o.db"), Options{Capacity: 10, AlarmPercent: 80})
		var alarms []uint64
		for i := 0; i < 10; i++ {
			res, err := o.Append(payload("e"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Alarm {
				alarms = append(alarms, res.Seq)
			}
			if res.Dropped != 0 {
				t.Fatalf("dropped %d before full", res.Dropped)
			}
		}
		if fmt.Sprint(alarms) != "[8]" {
			t.Fatalf("alarm at seqs %v, want [8] (80%% of 10)", alarms)
		}
		res, err := o.Append(payload("e"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Dropped != 1 || res.FirstDropped != 1 || res.LastDropped != 1 || res.Len != 10 || res.Alarm {
			t.Fatalf("overflow append = %+v, want 1 dropped (seq 1), len 10, no repeated alarm", res)
		}
		// With a notice builder, the notice takes a slot too.
		o.SetOverflowRecord(func(seq uint64, d Dropped) ([]byte, error) {
			return []byte(fmt.Sprintf("dropped %d: %d..%d", d.N, d.First, d.Last)), nil
		})
		res, err = o.Append(payload("e"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Dropped != 2 || res.FirstDropped != 2 || res.LastDropped != 3 || res.Seq != 13 || res.Len != 10 {
			t.Fatalf("append with notice = %+v, want 2 dropped (2..3), seq 13, len 10", res)
		}
		recs, _ := o.Next(10, 10)
		if len(recs) != 3 || string(recs[1].Payload) != "dropped 2: 2..3" || string(recs[2].Payload) != "e-13" {
			t.Fatalf("tail = %+v", recs)
		}
		o.SetOverflowRecord(nil)
		if err := o.Remove(10, 11, 12, 13); err != nil {
			t.Fatal(err)
		}
		recs, _ = o.Next(0, 1)
		if recs[0].Seq != 4 {
			t.Fatalf("oldest after drops = %d, want 4", recs[0].Seq)
		}
		// Falling below the alarm level re-arms it.
		if err := o.Remove(4, 5); err != nil {
			t.Fatal(err)
		}
		for res.Len < 8 {
			if res, err = o.Append(payload("e")); err != nil {
				t.Fatal(err)
			}
			if res.Alarm != (res.Len == 8) {
				t.Fatalf("append to len %d: alarm %v; want it exactly when re-crossing 80%%", res.Len, res.Alarm)
			}
		}
	})
	t.Run("reject", func(t *testing.T) {
		o := open(t, filepath.Join(t.TempDir(), "o.db"), Options{Capacity: 2, Policy: Reject})
		for i := 0; i < 2; i++ {
			if _, err := o.Append(payload("e")); err != nil {
				t.Fatal(err)
			}
		}
		_, err := o.Append(payload("e"))
		if !errors.Is(err, ErrFull) {
			t.Fatalf("append when full: %v, want ErrFull", err)
		}
		if o.Len() != 2 {
			t.Fatalf("Len = %d after rejected append", o.Len())
		}
		if last, _ := o.LastSeq(); last != 2 {
			t.Fatalf("rejected append consumed a sequence: last %d", last)
		}
	})
}

func TestBadOptions(t *testing.T) {
	for _, opts := range []Options{{Capacity: -1}, {Policy: "keep"}, {AlarmPercent: 101}} {
		if _, err := Open(filepath.Join(t.TempDir(), "o.db"), opts); err == nil {
			t.Errorf("Open(%+v) succeeded, want error", opts)
		}
	}
}

func TestCorruptRecordIsNamedAndQuarantined(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.db")
	o := open(t, path, Options{})
	for i := 0; i < 4; i++ {
		if _, err := o.Append(payload("e")); err != nil {
			t.Fatal(err)
		}
	}
	o.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		v := append([]byte(nil), b.Get(seqKey(3))...)
		v[3] ^= 0xff
		return b.Put(seqKey(3), v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	o = open(t, path, Options{})
	recs, err := o.Next(0, 10)
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Seq != 3 {
		t.Fatalf("Next error = %v, want CorruptError for record 3", err)
	}
	if !strings.Contains(err.Error(), "0000000000000003") || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("error %q does not name the key and the problem", err)
	}
	if len(recs) != 2 {
		t.Fatalf("got %d good records before the corrupt one, want 2", len(recs))
	}
	if err := o.Quarantine(3); err != nil {
		t.Fatal(err)
	}
	recs, err = o.Next(2, 10)
	if err != nil || len(recs) != 1 || recs[0].Seq != 4 {
		t.Fatalf("after quarantine Next = %+v, %v; want record 4", recs, err)
	}
	if o.Len() != 3 {
		t.Fatalf("Len = %d, want 3", o.Len())
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for _, p := range [][]byte{{}, []byte("x"), bytes.Repeat([]byte("ab"), 300)} {
		got, err := DecodeRecord(EncodeRecord(p))
		if err != nil || !bytes.Equal(got, p) {
			t.Errorf("round trip of %d bytes: %q, %v", len(p), got, err)
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(EncodeRecord([]byte(`{"v":1}`)))
	f.Add(EncodeRecord(nil))
	f.Add([]byte{1, 200, 1, 0, 0, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeRecord(b)
		if err != nil {
			return
		}
		if !bytes.Equal(EncodeRecord(p), b) {
			t.Fatalf("decoded %q but re-encoding differs from input", p)
		}
	})
}

func BenchmarkAppendFsync(b *testing.B) {
	o, err := Open(filepath.Join(b.TempDir(), "o.db"), Options{Capacity: b.N + 1})
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	p := bytes.Repeat([]byte("x"), 300)
	for i := 0; i < b.N; i++ {
		if _, err := o.Append(func(uint64) ([]byte, error) { return p, nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNotifyWakesEveryWaiter(t *testing.T) {
	o := open(t, filepath.Join(t.TempDir(), "o.db"), Options{})
	w1, w2 := o.Notify(), o.Notify()
	select {
	case <-w1:
		t.Fatal("woken before any append")
	default:
	}
	if _, err := o.Append(payload("e")); err != nil {
		t.Fatal(err)
	}
	for i, w := range []<-chan struct{}{w1, w2} {
		select {
		case <-w:
		default:
			t.Fatalf("waiter %d not woken by Append", i)
		}
	}
	select {
	case <-o.Notify():
		t.Fatal("a fresh Notify channel is already closed")
	default:
	}
}
