package doortest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewClock(start)
	a := c.After(20 * time.Millisecond)
	b := c.After(50 * time.Millisecond)
	if n := c.Waiters(); n != 2 {
		t.Fatalf("Waiters = %d, want 2", n)
	}
	c.Advance(20 * time.Millisecond)
	select {
	case got := <-a:
		if want := start.Add(20 * time.Millisecond); !got.Equal(want) {
			t.Errorf("a fired with %v, want %v", got, want)
		}
	default:
		t.Fatal("a did not fire at its deadline")
	}
	select {
	case <-b:
		t.Fatal("b fired early")
	default:
	}
	if n := c.Waiters(); n != 1 {
		t.Errorf("Waiters = %d after a fired, want 1", n)
	}
	if err := c.BlockUntilWaiters(1, time.Second); err != nil {
		t.Errorf("BlockUntilWaiters(1): %v", err)
	}
	if err := c.BlockUntilWaiters(2, 10*time.Millisecond); err == nil {
		t.Error("BlockUntilWaiters(2) with one waiter returned nil, want a timeout error")
	}
	done := make(chan error)
	go func() { done <- c.BlockUntilWaiters(2, 10*time.Second) }()
	c.After(time.Second)
	if err := <-done; err != nil {
		t.Errorf("BlockUntilWaiters(2) after a second After: %v", err)
	}
	if got := <-c.After(0); !got.Equal(c.Now()) {
		t.Errorf("After(0) = %v, want now %v", got, c.Now())
	}
}

func TestInputOutput(t *testing.T) {
	tr := &Trace{}
	in := &Input{Name: "IN", Trace: tr}
	in.Set(gpio.High)
	if l, err := in.Read(); err != nil || l != gpio.High {
		t.Errorf("Read = %v, %v; want High, nil", l, err)
	}
	boom := errors.New("boom")
	in.SetErr(boom)
	if _, err := in.Read(); !errors.Is(err, boom) {
		t.Errorf("Read with SetErr: %v, want boom", err)
	}
	out := &Output{Name: "OUT", Trace: tr}
	_ = out.Out(gpio.Low)
	out.SetErr(boom)
	if err := out.Out(gpio.High); !errors.Is(err, boom) {
		t.Errorf("Out with SetErr: %v, want boom", err)
	}
	if h := out.History(); !slices.Equal(h, []gpio.Level{gpio.Low}) {
		t.Errorf("History = %v, want [Low] (failed writes are not recorded)", h)
	}
	want := []string{"read IN", "read IN", "out OUT Low", "out OUT High"}
	if ops := tr.Ops(); !slices.Equal(ops, want) {
		t.Errorf("Trace = %q, want %q", ops, want)
	}
	if in.Reads() != 2 {
		t.Errorf("Reads = %d, want 2", in.Reads())
	}
}
