package capture

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// Latest hands frames from a Source to a slower consumer, latest frame wins:
// Run reads the source as fast as it delivers, and when the consumer has not
// taken the previous frame yet, that frame is dropped and counted. Nothing
// queues: three frame buffers (one filling, one waiting, one held by the
// consumer) are reused for the whole run.
//
// Run belongs to the caller's errgroup; Next is called by one consumer.
type Latest struct {
	src Source

	mu      sync.Mutex
	pending *Frame   // newest frame not yet taken, or nil
	held    *Frame   // frame the consumer has, returned on its next Next
	free    []*Frame // spare buffers
	ready   chan struct{}
	done    chan struct{}
	err     error // why Run ended, valid once done is closed

	received, delivered, dropped atomic.Uint64
}

// NewLatest returns a Latest reading src. It does not close src.
func NewLatest(src Source) *Latest {
	l := &Latest{src: src, ready: make(chan struct{}, 1), done: make(chan struct{})}
	l.free = make([]*Frame, 0, 3)
	for range 3 {
		l.free = append(l.free, &Frame{})
	}
	return l
}

// Run reads frames until ctx is done or the source fails. It returns nil
// when a replay ends (io.EOF) or ctx is cancelled, and the source's error
// otherwise; Next returns the same end condition once the last frame is
// taken. A *DeviceError from a V4L2 source does not end Run: the source
// reconnects on the next read.
func (l *Latest) Run(ctx context.Context) (err error) {
	defer func() {
		l.mu.Lock()
		l.err = err
		if err == nil {
			l.err = context.Cause(ctx)
			if l.err == nil {
				l.err = io.EOF
			}
		}
		l.mu.Unlock()
		close(l.done)
	}()
	for {
		f, err := l.src.Next(ctx)
		if err != nil {
			var de *DeviceError
			switch {
			case errors.As(err, &de):
				continue
			case ctx.Err() != nil:
				return nil
			case errors.Is(err, io.EOF):
				return nil
			}
			return err
		}
		l.received.Add(1)
		l.mu.Lock()
		b := l.free[len(l.free)-1]
		l.free = l.free[:len(l.free)-1]
		l.mu.Unlock()
		data := append(b.Data[:0], f.Data...)
		*b = f
		b.Data = data
		l.mu.Lock()
		if l.pending != nil {
			l.free = append(l.free, l.pending)
			l.dropped.Add(1)
		}
		l.pending = b
		l.mu.Unlock()
		select {
		case l.ready <- struct{}{}:
		default:
		}
	}
}

// Next returns the newest frame not yet returned, waiting for one if
// needed. Its Data stays valid until the following call to Next. After Run
// ends and the last frame is taken, Next returns io.EOF (replay finished),
// the context error, or Run's error.
func (l *Latest) Next(ctx context.Context) (Frame, error) {
	for {
		l.mu.Lock()
		if l.pending != nil {
			if l.held != nil {
				l.free = append(l.free, l.held)
			}
			l.held, l.pending = l.pending, nil
			f := *l.held
			l.mu.Unlock()
			l.delivered.Add(1)
			return f, nil
		}
		l.mu.Unlock()
		select {
		case <-l.ready:
		case <-l.done:
			l.mu.Lock()
			empty := l.pending == nil
			err := l.err
			l.mu.Unlock()
			if empty {
				return Frame{}, err
			}
		case <-ctx.Done():
			return Frame{}, ctx.Err()
		}
	}
}

// Dropped returns how many frames were replaced before the consumer took
// them.
func (l *Latest) Dropped() uint64 { return l.dropped.Load() }

// Received returns how many frames Run has read from the source. Once Run
// has ended, Received = Delivered + Dropped + (1 if a frame is still waiting).
func (l *Latest) Received() uint64 { return l.received.Load() }

// Delivered returns how many frames Next has returned.
func (l *Latest) Delivered() uint64 { return l.delivered.Load() }
