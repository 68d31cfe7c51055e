package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

func init() { register("v4l2", openV4L2) }

// State is the V4L2 source's connection state.
type State int

// States reported through WithStateFunc.
const (
	// StateStreaming: the device is open and delivering frames.
	StateStreaming State = iota + 1
	// StateLost: the device failed (timeout, unplug, I/O error) and was closed.
	StateLost
	// StateReconnecting: waiting Delay before reopen attempt Attempt.
	StateReconnecting
	// StateClosed: Close was called.
	StateClosed
)

// String returns the state's name, e.g. "streaming".
func (s State) String() string {
	switch s {
	case StateStreaming:
		return "streaming"
	case StateLost:
		return "lost"
	case StateReconnecting:
		return "reconnecting"
	case StateClosed:
		return "closed"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// StateChange is one transition of the V4L2 source, for the daemon to
// report (camera up/down) and to log.
type StateChange struct {
	// State is the new state.
	State State
	// Time is when the change happened (the source's clock).
	Time time.Time
	// Device is the configured device path.
	Device string
	// Info describes the device when State is StateStreaming.
	Info DeviceInfo
	// Mode is the capture mode in effect when State is StateStreaming.
	Mode Mode
	// Err is why the device was lost or the previous attempt failed.
	Err error
	// Attempt numbers reopen attempts since the loss, from 1.
	Attempt int
	// Delay is the wait before attempt Attempt.
	Delay time.Duration
}

// Reconnect backoff: the first reopen attempt after a loss waits
// BackoffMin, each further failure doubles the wait up to BackoffMax.
const (
	BackoffMin = time.Second
	BackoffMax = 30 * time.Second
)

// backoff returns the wait before reopen attempt n (n >= 1).
func backoff(n int) time.Duration {
	d := BackoffMin
	for i := 1; i < n && d < BackoffMax; i++ {
		d *= 2
	}
	return min(d, BackoffMax)
}

// v4l2Source reads a V4L2 camera, reopening it with backoff when it fails.
// It starts no goroutines: all work happens in Next.
type v4l2Source struct {
	cfg  Config
	log  *slog.Logger
	o    *options
	dev  Device // nil while disconnected
	info DeviceInfo
	mode Mode
	buf  []byte // frame bytes, reused
	seq  uint64
	// failures counts consecutive failed connects since the last good frame.
	failures int
	lastErr  error
	closed   bool
	// bad counts frames whose bytes did not fit the negotiated mode.
	bad uint64
}

func openV4L2(_ context.Context, cfg Config, log *slog.Logger, o *options) (Source, error) {
	if o.opener == nil {
		o.opener = OpenDevice
	}
	s := &v4l2Source{cfg: cfg, log: log.With("device", cfg.Device), o: o}
	if err := s.connect(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *v4l2Source) emit(c StateChange) {
	c.Time = s.o.clock.Now()
	c.Device = s.cfg.Device
	if s.o.onState != nil {
		s.o.onState(c)
	}
}

// connect opens, checks, configures and starts the device, closing it again
// on any failure so no descriptor leaks.
func (s *v4l2Source) connect() error {
	fail := func(op string, err error) error { return &DeviceError{Device: s.cfg.Device, Op: op, Err: err} }
	dev, err := s.o.opener(s.cfg.Device)
	if err != nil {
		return fail("open", fmt.Errorf("%w (check camera.device; `facegate cameras` lists devices)", err))
	}
	ok := false
	defer func() {
		if !ok {
			_ = dev.Close()
		}
	}()
	info, err := dev.Describe()
	if err != nil {
		return fail("query", err)
	}
	if err := CheckPin(s.cfg.Pin, info); err != nil {
		return fail("check pin", err)
	}
	want, warn, err := Negotiate(s.cfg, info)
	if err != nil {
		return fail("negotiate", err)
	}
	if warn != "" {
		s.log.Warn(warn)
	}
	got, err := dev.Start(want)
	if err != nil {
		return fail("start "+want.String(), err)
	}
	if got.Format != FormatYUYV && !got.Format.IsJPEG() {
		return fail("start "+want.String(), fmt.Errorf("%w: driver switched to %s", ErrNoFormat, got.Format))
	}
	ok = true
	s.dev, s.info, s.mode = dev, info, got
	s.log.Info("camera streaming", "driver", info.Driver, "card", info.Card, "bus_info", info.BusInfo, "mode", got.String())
	s.emit(StateChange{State: StateStreaming, Info: info, Mode: got})
	return nil
}

// Next returns the next frame. After a device failure it returns a
// *DeviceError once (wrapping ErrTimeout or ErrDeviceLost) and closes the
// device; the following call reopens it, waiting with backoff between
// attempts (reported as StateReconnecting) until it succeeds or ctx is done.
func (s *v4l2Source) Next(ctx context.Context) (Frame, error) {
	if s.closed {
		return Frame{}, ErrClosed
	}
	for {
		if s.dev == nil {
			if err := s.reconnect(ctx); err != nil {
				return Frame{}, err
			}
		}
		data, err := s.dev.Read(ctx, s.cfg.Timeout, s.buf)
		if err != nil {
			if ctx.Err() != nil {
				return Frame{}, ctx.Err()
			}
			if !errors.Is(err, ErrTimeout) && !errors.Is(err, ErrDeviceLost) {
				err = fmt.Errorf("%w: %w", ErrDeviceLost, err)
			}
			de := &DeviceError{Device: s.cfg.Device, Op: "read", Err: err}
			s.lose(de)
			return Frame{}, de
		}
		s.buf = data
		f := Frame{
			Time: s.o.clock.Now(), Width: s.mode.Width, Height: s.mode.Height,
			Stride: s.mode.Stride, Format: s.mode.Format, Data: data,
		}
		if f.Format == FormatYUYV {
			if _, err := f.stride(2); err != nil {
				// Drivers deliver short buffers for frames with errors;
				// skip them rather than hand garbage on.
				s.bad++
				s.log.Debug("skipping short frame", "err", err, "skipped", s.bad)
				continue
			}
		}
		s.failures = 0
		s.seq++
		f.Seq = s.seq
		return f, nil
	}
}

func (s *v4l2Source) lose(err error) {
	if cerr := s.dev.Close(); cerr != nil {
		s.log.Debug("closing failed device", "err", cerr)
	}
	s.dev = nil
	s.failures = 1
	s.lastErr = err
	s.log.Warn("camera lost", "err", err)
	s.emit(StateChange{State: StateLost, Err: err})
}

func (s *v4l2Source) reconnect(ctx context.Context) error {
	for {
		if s.failures < 1 {
			s.failures = 1
		}
		d := backoff(s.failures)
		s.emit(StateChange{State: StateReconnecting, Err: s.lastErr, Attempt: s.failures, Delay: d})
		if err := sleep(ctx, s.o.clock, d); err != nil {
			return err
		}
		err := s.connect()
		if err == nil {
			return nil
		}
		s.lastErr = err
		s.log.Warn("camera reopen failed", "attempt", s.failures, "err", err, "next_wait", backoff(s.failures+1))
		s.failures++
	}
}

// Close closes the device. It is safe to call more than once.
func (s *v4l2Source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.dev != nil {
		err = s.dev.Close()
		s.dev = nil
	}
	s.emit(StateChange{State: StateClosed})
	if err != nil {
		return fmt.Errorf("close camera %s: %w", s.cfg.Device, err)
	}
	return nil
}
