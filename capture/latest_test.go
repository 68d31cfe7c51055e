package capture_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/facegate/facegate/capture"
	"github.com/facegate/facegate/capture/capturetest"
)

func frameN(n int) capture.Frame {
	return capture.Frame{Seq: uint64(n), Width: 1, Height: 1, Format: capture.FormatGrey, Data: []byte(fmt.Sprintf("frame-%d", n))}
}

func runLatest(t *testing.T, src capture.Source) (*capture.Latest, <-chan error, context.CancelFunc) {
	l := capture.NewLatest(src)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	t.Cleanup(cancel)
	return l, done, cancel
}

func TestLatestDropsStaleFrames(t *testing.T) {
	src := capturetest.NewSource()
	l, done, _ := runLatest(t, src)
	ctx := context.Background()

	// The consumer is busy while five frames arrive.
	for i := 1; i <= 5; i++ {
		src.Frames <- frameN(i)
	}
	// Run took frame 5 and is back in Next once this send completes... but
	// only the send after it proves frame 5 was published, so end the replay.
	src.Errs <- io.EOF
	f, err := l.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f.Seq != 5 || string(f.Data) != "frame-5" {
		t.Errorf("got seq %d %q, want the newest frame 5", f.Seq, f.Data)
	}
	if l.Dropped() != 4 || l.Delivered() != 1 || l.Received() != 5 {
		t.Errorf("dropped %d delivered %d received %d, want 4, 1, 5", l.Dropped(), l.Delivered(), l.Received())
	}
	if _, err := l.Next(ctx); !errors.Is(err, io.EOF) {
		t.Errorf("after the replay ended: %v, want io.EOF", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil at io.EOF", err)
	}
}

func TestLatestKeepsHeldFrameIntact(t *testing.T) {
	src := capturetest.NewSource()
	l, _, _ := runLatest(t, src)
	ctx := context.Background()
	src.Frames <- frameN(1)
	src.Frames <- frameN(2) // proves frame 1 was published
	held, err := l.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := string(held.Data)
	// Many frames pass while the consumer holds its frame: its bytes must
	// not be overwritten by the buffers Run recycles.
	for i := 3; i < 50; i++ {
		src.Frames <- frameN(i)
	}
	if string(held.Data) != want {
		t.Fatalf("held frame changed from %q to %q", want, held.Data)
	}
	f, err := l.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f.Seq < 48 {
		t.Errorf("next frame seq %d, want one of the newest", f.Seq)
	}
}

func TestLatestWaitsAndEnds(t *testing.T) {
	src := capturetest.NewSource()
	l, done, cancel := runLatest(t, src)
	got := make(chan capture.Frame, 1)
	go func() {
		f, _ := l.Next(context.Background())
		got <- f
	}()
	src.Frames <- frameN(7)
	if f := <-got; f.Seq != 7 {
		t.Errorf("waiting consumer got seq %d, want 7", f.Seq)
	}

	// A V4L2 device error does not end Run: the source reconnects.
	src.Errs <- &capture.DeviceError{Device: "/dev/video0", Op: "read", Err: capture.ErrDeviceLost}
	src.Frames <- frameN(8)
	src.Frames <- frameN(9)
	if f, err := l.Next(context.Background()); err != nil || f.Seq < 8 {
		t.Errorf("after a device error: seq %d err %v", f.Seq, err)
	}

	// Any other source error ends Run and reaches the consumer.
	boom := errors.New("boom")
	src.Errs <- boom
	if err := <-done; !errors.Is(err, boom) {
		t.Errorf("Run = %v, want boom", err)
	}
	// Frames still waiting come first, then the error.
	for i := 0; ; i++ {
		_, err := l.Next(context.Background())
		if err != nil {
			if !errors.Is(err, boom) {
				t.Errorf("Next = %v, want boom", err)
			}
			break
		}
		if i > 1 {
			t.Fatal("Next keeps returning frames after Run ended")
		}
	}
	cancel()

	// Cancelling Run is a clean stop.
	l2, done2, cancel2 := runLatest(t, capturetest.NewSource())
	cancel2()
	if err := <-done2; err != nil {
		t.Errorf("cancelled Run = %v, want nil", err)
	}
	if _, err := l2.Next(context.Background()); !errors.Is(err, context.Canceled) {
		t.Errorf("Next after cancelled Run = %v", err)
	}
	ctx, c := context.WithCancel(context.Background())
	c()
	if _, err := capture.NewLatest(capturetest.NewSource()).Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next with a cancelled ctx = %v", err)
	}
}
