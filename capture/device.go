package capture

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Device is the V4L2 camera as the V4L2 source drives it. The real one wraps
// github.com/blackjack/webcam (OpenDevice); capturetest.Camera provides a fake.
type Device interface {
	// Describe reports the device's identity and the modes it offers.
	Describe() (DeviceInfo, error)
	// Start sets the mode (format, size, rate, buffer count), starts
	// streaming and returns the mode actually in effect.
	Start(Mode) (Mode, error)
	// Read waits up to timeout for the next frame, appends its bytes to
	// dst[:0] and returns the result. Waiting too long returns an error
	// wrapping ErrTimeout; a device that is gone returns one wrapping
	// ErrDeviceLost.
	Read(ctx context.Context, timeout time.Duration, dst []byte) ([]byte, error)
	// Close stops streaming and releases the device's file descriptors.
	Close() error
}

// Opener opens the device at path (a /dev node or a symlink to one).
type Opener func(path string) (Device, error)

// Sentinel errors of the V4L2 path, matched with errors.Is.
var (
	// ErrTimeout means no frame arrived within Config.Timeout.
	ErrTimeout = errors.New("no frame within timeout")
	// ErrDeviceLost means the device went away (unplugged, driver unbound)
	// or failed with an I/O error.
	ErrDeviceLost = errors.New("camera lost")
	// ErrPinMismatch means the device is not the pinned camera.
	ErrPinMismatch = errors.New("camera does not match camera.pin")
	// ErrNoFormat means the device offers no pixel format facegate reads.
	ErrNoFormat = errors.New("camera offers no usable pixel format")
)

// DeviceError is what the V4L2 source returns when the device fails: which
// device, which step, and the cause (wrapping ErrTimeout or ErrDeviceLost
// for the expected cases). The source reopens the device on the next Next.
type DeviceError struct {
	// Device is the configured device path.
	Device string
	// Op is the step that failed: "open", "read", ...
	Op string
	// Err is the cause.
	Err error
}

// Error describes the failure as "camera DEVICE: OP: CAUSE".
func (e *DeviceError) Error() string {
	return "camera " + e.Device + ": " + e.Op + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *DeviceError) Unwrap() error { return e.Err }

// DeviceInfo describes a V4L2 capture device.
type DeviceInfo struct {
	// Path is the device node that was opened.
	Path string
	// Driver, Card and BusInfo are VIDIOC_QUERYCAP's identity fields.
	Driver, Card, BusInfo string
	// Formats lists the pixel formats offered, in the driver's order.
	Formats []FormatInfo
}

// FormatInfo is one pixel format and the frame sizes offered for it.
type FormatInfo struct {
	// Format is the pixel format code.
	Format PixelFormat
	// Description is the driver's name for it, e.g. "YUYV 4:2:2".
	Description string
	// Sizes are the frame sizes offered in this format.
	Sizes []SizeInfo
}

// SizeInfo is a discrete frame size (Step zero) or a stepwise range, with
// the frame rates offered at it (discrete sizes only).
type SizeInfo struct {
	// MinWidth..MaxWidth in steps of StepWidth pixels (one value if Step is 0).
	MinWidth, MaxWidth, StepWidth int
	// MinHeight..MaxHeight in steps of StepHeight pixels.
	MinHeight, MaxHeight, StepHeight int
	// Rates are the frame rates in frames per second.
	Rates []float64
}

// String formats the size as 640x480 or [16-1920/2]x[16-1080/2].
func (s SizeInfo) String() string {
	if s.StepWidth == 0 && s.StepHeight == 0 {
		return fmt.Sprintf("%dx%d", s.MaxWidth, s.MaxHeight)
	}
	return fmt.Sprintf("[%d-%d/%d]x[%d-%d/%d]", s.MinWidth, s.MaxWidth, s.StepWidth, s.MinHeight, s.MaxHeight, s.StepHeight)
}

// Mode is a capture mode: what Start is asked for and what it returns.
type Mode struct {
	// Format is the pixel format.
	Format PixelFormat
	// Width and Height are the frame size in pixels.
	Width, Height int
	// Stride is bytes per row for packed formats (0 if unknown or JPEG).
	Stride int
	// FPS is the frame rate; 0 leaves the driver's default.
	FPS float64
	// Buffers is the number of mmap buffers.
	Buffers int
}

// String formats the mode for logs, e.g. "YUYV 640x480 @30fps, 4 buffers".
func (m Mode) String() string {
	return fmt.Sprintf("%s %dx%d @%gfps, %d buffers", m.Format, m.Width, m.Height, m.FPS, m.Buffers)
}

// CheckPin reports (wrapping ErrPinMismatch) how info differs from pin.
func CheckPin(pin Pin, info DeviceInfo) error {
	var diffs []string
	check := func(key, want, got string) {
		if want != "" && want != got {
			diffs = append(diffs, fmt.Sprintf("%s %q (pinned %q)", key, got, want))
		}
	}
	check("driver", pin.Driver, info.Driver)
	check("card", pin.Card, info.Card)
	check("bus_info", pin.BusInfo, info.BusInfo)
	if len(diffs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s has %s; plug in the pinned camera or update camera.pin (see `facegate cameras`)",
		ErrPinMismatch, info.Path, strings.Join(diffs, ", "))
}

// formatPreference is the order "best offered" means: YUYV converts in about
// a millisecond with no decoder; MJPEG needs a decode but fits high
// resolutions through USB 2.
var formatPreference = []PixelFormat{FormatYUYV, FormatMJPEG, FormatJPEG}

// Negotiate picks the capture mode for cfg from what info offers: the
// configured format if offered (else the best offered one, with warn set),
// the offered size nearest to the configured one, and the configured rate.
func Negotiate(cfg Config, info DeviceInfo) (m Mode, warn string, err error) {
	byFormat := map[PixelFormat]FormatInfo{}
	for _, f := range info.Formats {
		byFormat[f.Format] = f
	}
	var want []PixelFormat
	switch cfg.Format {
	case "yuyv":
		want = []PixelFormat{FormatYUYV}
	case "mjpeg":
		want = []PixelFormat{FormatMJPEG, FormatJPEG}
	}
	var chosen *FormatInfo
	for _, p := range want {
		if f, ok := byFormat[p]; ok {
			chosen = &f
			break
		}
	}
	if chosen == nil {
		for _, p := range formatPreference {
			if f, ok := byFormat[p]; ok {
				chosen = &f
				break
			}
		}
		if chosen == nil {
			var offered []string
			for _, f := range info.Formats {
				offered = append(offered, f.Format.String())
			}
			return Mode{}, "", fmt.Errorf("%w: %s offers [%s], facegate reads YUYV or MJPEG", ErrNoFormat, info.Path, strings.Join(offered, " "))
		}
		if cfg.Format != "" {
			warn = fmt.Sprintf("camera.format %q not offered by %s; using %s", cfg.Format, info.Path, chosen.Format)
		}
	}
	w, h := nearestSize(chosen.Sizes, cfg.Width, cfg.Height)
	return Mode{Format: chosen.Format, Width: w, Height: h, FPS: cfg.FPS, Buffers: cfg.Buffers}, warn, nil
}

// nearestSize returns the offered size closest to w×h (by |dw|+|dh|); with
// no size information it returns w×h and leaves the choice to the driver.
func nearestSize(sizes []SizeInfo, w, h int) (int, int) {
	bw, bh, best := w, h, -1
	for _, s := range sizes {
		cw, ch := s.MaxWidth, s.MaxHeight
		if s.StepWidth != 0 || s.StepHeight != 0 {
			cw = snap(w, s.MinWidth, s.MaxWidth, s.StepWidth)
			ch = snap(h, s.MinHeight, s.MaxHeight, s.StepHeight)
		}
		d := abs(cw-w) + abs(ch-h)
		if best < 0 || d < best {
			bw, bh, best = cw, ch, d
		}
	}
	return bw, bh
}

func snap(v, lo, hi, step int) int {
	if v < lo {
		v = lo
	}
	if v > hi {
		v = hi
	}
	if step > 1 {
		v = lo + (v-lo)/step*step
	}
	return v
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
