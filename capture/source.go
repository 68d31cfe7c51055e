// Package capture delivers camera frames to the pipeline: from a V4L2/UVC
// camera (github.com/blackjack/webcam), or replayed from a folder of images
// or a Motion-JPEG file for demos, tests and evaluation tools.
//
// A Source is chosen by Config.Backend through a small registry. Frames
// carry YUYV, MJPEG, RGBA or grey bytes and convert to *image.RGBA and
// *image.Gray into caller-owned images without per-frame allocation. Latest
// hands frames to a slower consumer, dropping (and counting) stale ones.
package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"
)

// Source produces frames. Next blocks until a frame is available or ctx is
// done; the returned Frame's Data is valid until the next call to Next.
// A replay source that has no more frames returns io.EOF. Next and Close
// must not be called concurrently.
type Source interface {
	Next(ctx context.Context) (Frame, error)
	Close() error
}

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("capture: source closed")

// Clock is the time a source uses to pace replays and to back off between
// reconnects; tests substitute capturetest.Clock.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that fires once after d.
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer a Clock returns.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// NewTimer wraps time.NewTimer.
func (SystemClock) NewTimer(d time.Duration) Timer { return sysTimer{time.NewTimer(d)} }

type sysTimer struct{ t *time.Timer }

func (t sysTimer) C() <-chan time.Time { return t.t.C }
func (t sysTimer) Stop() bool          { return t.t.Stop() }

// sleep waits for d on clk, or until ctx is done.
func sleep(ctx context.Context, clk Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// options are the non-config knobs of Open.
type options struct {
	clock   Clock
	onState func(StateChange)
	opener  Opener
}

// Option adjusts Open.
type Option func(*options)

// WithClock makes the source use clk for pacing and backoff.
func WithClock(clk Clock) Option { return func(o *options) { o.clock = clk } }

// WithStateFunc registers fn to receive the V4L2 source's state changes
// (streaming, lost, reconnecting). fn is called synchronously from Next and
// Open, so it must not block; replay sources never call it.
func WithStateFunc(fn func(StateChange)) Option { return func(o *options) { o.onState = fn } }

// WithOpener replaces the V4L2 device opener (tests pass
// capturetest.Camera.Open).
func WithOpener(op Opener) Option { return func(o *options) { o.opener = op } }

// openFunc opens one backend.
type openFunc func(ctx context.Context, cfg Config, log *slog.Logger, o *options) (Source, error)

// backends is the registry of source backends, keyed by Config.Backend.
var backends = map[string]openFunc{}

func register(name string, fn openFunc) {
	if _, dup := backends[name]; dup {
		panic("capture: backend registered twice: " + name)
	}
	backends[name] = fn
}

// Backends returns the registered backend names, sorted.
func Backends() []string {
	names := make([]string, 0, len(backends))
	for n := range backends {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Open validates cfg (after filling defaults) and opens the backend it names.
// log may be nil.
func Open(ctx context.Context, cfg Config, log *slog.Logger, opts ...Option) (Source, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	fn, ok := backends[cfg.Backend]
	if !ok { // Validate checks this too; keep the registry the authority
		return nil, fmt.Errorf("camera.backend %q: unknown backend (known: %s)", cfg.Backend, strings.Join(Backends(), ", "))
	}
	o := &options{clock: SystemClock{}}
	for _, opt := range opts {
		opt(o)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return fn(ctx, cfg, log.With("component", "capture", "backend", cfg.Backend), o)
}
