// Package capturetest provides fakes for testing code that uses capture: a
// V4L2 camera that tests plug, unplug and feed frames through channels, a
// manual clock, and a scripted Source.
package capturetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/facegate/facegate/capture"
)

// Camera is a fake V4L2 camera. Pass its Open method to capture.WithOpener.
// Frames and errors for the open device's Read are fed through the Frames
// and Errs channels; Unplug makes the open device fail and further opens
// fail until Plug.
type Camera struct {
	// Frames feeds frame bytes to Read (unbuffered: a send returns once a
	// Read has taken the frame).
	Frames chan []byte
	// Errs feeds errors to Read, e.g. a wrapped capture.ErrTimeout.
	Errs chan error

	mu      sync.Mutex
	info    capture.DeviceInfo
	adjust  func(capture.Mode) capture.Mode
	plugged bool
	gone    chan struct{} // closed by Unplug
	opens   int
	closes  int
	started []capture.Mode
	timeout time.Duration
}

// NewCamera returns a plugged camera that describes itself as info.
func NewCamera(info capture.DeviceInfo) *Camera {
	return &Camera{
		Frames: make(chan []byte), Errs: make(chan error),
		info: info, plugged: true, gone: make(chan struct{}),
	}
}

// SetInfo changes what the camera reports from the next open on (e.g. to
// swap in a different device).
func (c *Camera) SetInfo(info capture.DeviceInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.info = info
}

// SetAdjust makes Start report adjust(requested) as the mode in effect, the
// way drivers round sizes.
func (c *Camera) SetAdjust(adjust func(capture.Mode) capture.Mode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.adjust = adjust
}

// Unplug makes the open device's Read fail with ENODEV and new opens fail
// with ENOENT, like a USB camera pulled out.
func (c *Camera) Unplug() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.plugged {
		c.plugged = false
		close(c.gone)
	}
}

// Plug makes the camera openable again.
func (c *Camera) Plug() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.plugged {
		c.plugged = true
		c.gone = make(chan struct{})
	}
}

// Opens counts device opens; equal to Closes after the source is closed
// means no descriptor leaked.
func (c *Camera) Opens() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opens
}

// Closes returns how many opened devices were closed.
func (c *Camera) Closes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closes
}

// Started returns the modes Start was asked for, in order.
func (c *Camera) Started() []capture.Mode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]capture.Mode(nil), c.started...)
}

// LastTimeout returns the timeout the latest Read was given.
func (c *Camera) LastTimeout() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timeout
}

// Open opens the fake device; it has the signature of capture.Opener.
func (c *Camera) Open(path string) (capture.Device, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.plugged {
		return nil, fmt.Errorf("open %s: %w", path, syscall.ENOENT)
	}
	c.opens++
	info := c.info
	info.Path = path
	return &device{cam: c, info: info, gone: c.gone}, nil
}

type device struct {
	cam    *Camera
	info   capture.DeviceInfo
	gone   chan struct{}
	closed bool
}

func (d *device) Describe() (capture.DeviceInfo, error) {
	select {
	case <-d.gone:
		return capture.DeviceInfo{}, fmt.Errorf("VIDIOC_QUERYCAP: %w: %w", capture.ErrDeviceLost, syscall.ENODEV)
	default:
	}
	return d.info, nil
}

func (d *device) Start(m capture.Mode) (capture.Mode, error) {
	d.cam.mu.Lock()
	defer d.cam.mu.Unlock()
	d.cam.started = append(d.cam.started, m)
	if d.cam.adjust != nil {
		m = d.cam.adjust(m)
	}
	return m, nil
}

func (d *device) Read(ctx context.Context, timeout time.Duration, dst []byte) ([]byte, error) {
	d.cam.mu.Lock()
	d.cam.timeout = timeout
	d.cam.mu.Unlock()
	select {
	case b := <-d.cam.Frames:
		return append(dst[:0], b...), nil
	case err := <-d.cam.Errs:
		return dst, err
	case <-d.gone:
		return dst, fmt.Errorf("VIDIOC_DQBUF: %w: %w", capture.ErrDeviceLost, syscall.ENODEV)
	case <-ctx.Done():
		return dst, ctx.Err()
	}
}

func (d *device) Close() error {
	d.cam.mu.Lock()
	defer d.cam.mu.Unlock()
	if d.closed {
		return errors.New("fake device closed twice")
	}
	d.closed = true
	d.cam.closes++
	return nil
}

// Clock is a manual clock. Each NewTimer call sends its duration on Timers
// (buffered; tests must drain it), so a test can wait until the code under
// test is blocked on a timer, then Advance past it.
type Clock struct {
	// Timers receives the duration of every timer created.
	Timers chan time.Duration

	mu     sync.Mutex
	now    time.Time
	timers []*timer
}

// NewClock returns a clock at start.
func NewClock(start time.Time) *Clock {
	return &Clock{Timers: make(chan time.Duration, 64), now: start}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer firing when the clock reaches Now()+d.
func (c *Clock) NewTimer(d time.Duration) capture.Timer {
	c.mu.Lock()
	t := &timer{c: c, when: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		t.fired = true
	} else {
		c.timers = append(c.timers, t)
	}
	c.mu.Unlock()
	c.Timers <- d
	return t
}

// Advance moves the clock forward by d and fires the timers now due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	sort.Slice(c.timers, func(i, j int) bool { return c.timers[i].when.Before(c.timers[j].when) })
	keep := c.timers[:0]
	for _, t := range c.timers {
		if !t.when.After(c.now) {
			t.fired = true
			t.ch <- c.now
		} else {
			keep = append(keep, t)
		}
	}
	c.timers = keep
}

type timer struct {
	c     *Clock
	when  time.Time
	ch    chan time.Time
	fired bool
}

func (t *timer) C() <-chan time.Time { return t.ch }

func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	for i, o := range t.c.timers {
		if o == t {
			t.c.timers = append(t.c.timers[:i], t.c.timers[i+1:]...)
			return true
		}
	}
	return false
}

// Source is a scripted capture.Source: Next returns what the test sends on
// Frames or Errs. Sends are unbuffered, so a completed send means the
// consumer is back in Next (it has finished with the previous frame).
type Source struct {
	// Frames feeds frames to Next.
	Frames chan capture.Frame
	// Errs feeds errors to Next (io.EOF ends a replay).
	Errs chan error

	mu     sync.Mutex
	closed bool
}

// NewSource returns an empty scripted source.
func NewSource() *Source {
	return &Source{Frames: make(chan capture.Frame), Errs: make(chan error)}
}

// Next returns the next scripted frame or error.
func (s *Source) Next(ctx context.Context) (capture.Frame, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return capture.Frame{}, capture.ErrClosed
	}
	select {
	case f := <-s.Frames:
		return f, nil
	case err := <-s.Errs:
		return capture.Frame{}, err
	case <-ctx.Done():
		return capture.Frame{}, ctx.Err()
	}
}

// Close marks the source closed.
func (s *Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// Info returns a DeviceInfo for a UVC-like camera offering YUYV and MJPEG
// at 640x480 and 1280x720.
func Info() capture.DeviceInfo {
	sizes := []capture.SizeInfo{
		{MinWidth: 640, MaxWidth: 640, MinHeight: 480, MaxHeight: 480, Rates: []float64{30, 15}},
		{MinWidth: 1280, MaxWidth: 1280, MinHeight: 720, MaxHeight: 720, Rates: []float64{10}},
	}
	return capture.DeviceInfo{
		Driver: "uvcvideo", Card: "Fake Webcam", BusInfo: "usb-fake-1",
		Formats: []capture.FormatInfo{
			{Format: capture.FormatYUYV, Description: "YUYV 4:2:2", Sizes: sizes},
			{Format: capture.FormatMJPEG, Description: "Motion-JPEG", Sizes: sizes},
		},
	}
}
