package capture

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config selects and tunes a frame source. The daemon embeds it under its
// `camera:` key; field names in errors are given as camera.<yaml key>.
type Config struct {
	// Backend is "v4l2" (the default), "folder" or "mjpeg".
	Backend string `yaml:"backend"`

	// Device is the V4L2 device: /dev/videoN or, better, a stable
	// /dev/v4l/by-id/... name. (v4l2)
	Device string `yaml:"device"`
	// Format is the preferred pixel format: "yuyv", "mjpeg" or "" for the
	// best the camera offers. If the camera lacks it, the best offered format
	// is used and a warning logged. (v4l2)
	Format string `yaml:"format"`
	// Width and Height are the wanted frame size in pixels; the nearest size
	// the camera offers is used. (v4l2)
	Width  int `yaml:"width"`
	Height int `yaml:"height"`
	// FPS is the wanted frame rate (v4l2) or the replay pace (folder, mjpeg).
	FPS float64 `yaml:"fps"`
	// Buffers is the number of mmap buffers the driver fills. (v4l2)
	Buffers int `yaml:"buffers"`
	// Timeout is how long to wait for a frame before reporting ErrTimeout and
	// reopening the device; whole seconds (the poll granularity). (v4l2)
	Timeout time.Duration `yaml:"timeout"`
	// Pin, when set, refuses devices whose identity does not match. (v4l2)
	Pin Pin `yaml:"pin"`

	// Path is the image folder (folder) or the MJPEG file (mjpeg).
	Path string `yaml:"path"`
	// Loop restarts a replay at its end instead of returning io.EOF.
	Loop bool `yaml:"loop"`

	// Spectrum is what the camera sees: "visible" (default, an ordinary
	// colour camera) or "ir" (a monochrome camera behind an IR-pass filter
	// with IR illumination). Liveness uses it to enable its infrared cue.
	Spectrum string `yaml:"spectrum"`
}

// Camera spectra (Config.Spectrum).
const (
	SpectrumVisible = "visible"
	SpectrumIR      = "ir"
)

// Pin names the camera a deployment expects, as `facegate cameras` prints
// it. Empty fields are not checked; non-empty ones must match exactly.
// A camera that does not match (for example a virtual camera injecting a
// recorded face) is refused.
type Pin struct {
	// Driver is the kernel driver, e.g. "uvcvideo".
	Driver string `yaml:"driver"`
	// Card is the device name, e.g. "HD Pro Webcam C920".
	Card string `yaml:"card"`
	// BusInfo is the bus location, e.g. "usb-0000:01:00.0-1.2".
	BusInfo string `yaml:"bus_info"`
}

// IsZero reports whether no field is pinned.
func (p Pin) IsZero() bool { return p == Pin{} }

// Defaults used by WithDefaults.
const (
	DefaultWidth   = 640
	DefaultHeight  = 480
	DefaultFPS     = 15
	DefaultBuffers = 4
	DefaultTimeout = 2 * time.Second
)

// WithDefaults returns c with empty fields filled in.
func (c Config) WithDefaults() Config {
	if c.Backend == "" {
		c.Backend = "v4l2"
	}
	if c.Spectrum == "" {
		c.Spectrum = SpectrumVisible
	}
	if c.Backend == "v4l2" && c.Device == "" {
		c.Device = "/dev/video0"
	}
	if c.Width == 0 && c.Height == 0 {
		c.Width, c.Height = DefaultWidth, DefaultHeight
	}
	if c.FPS == 0 {
		c.FPS = DefaultFPS
	}
	if c.Buffers == 0 {
		c.Buffers = DefaultBuffers
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	c.Format = strings.ToLower(c.Format)
	return c
}

// Validate checks c (after WithDefaults) and reports every problem, each
// naming the field, the bad value and what to do.
func (c Config) Validate() error {
	var errs []error
	bad := func(field string, value any, fix string) {
		errs = append(errs, fmt.Errorf("camera.%s %v: %s", field, value, fix))
	}
	switch c.Spectrum {
	case "", SpectrumVisible, SpectrumIR:
	default:
		bad("spectrum", fmt.Sprintf("%q", c.Spectrum), "use visible (a colour camera) or ir (an infrared camera)")
	}
	if _, ok := backends[c.Backend]; !ok {
		bad("backend", fmt.Sprintf("%q", c.Backend), "unknown backend; use one of "+strings.Join(Backends(), ", "))
	}
	switch c.Backend {
	case "v4l2":
		if c.Device == "" {
			bad("device", `""`, "set the camera device, e.g. /dev/v4l/by-id/usb-...-video-index0 (see `facegate cameras`)")
		}
		switch c.Format {
		case "", "yuyv", "mjpeg":
		default:
			bad("format", fmt.Sprintf("%q", c.Format), `use "yuyv", "mjpeg" or "" (best offered)`)
		}
		if c.Width <= 0 || c.Height <= 0 || c.Width > maxSide || c.Height > maxSide {
			bad("width/height", fmt.Sprintf("%dx%d", c.Width, c.Height), fmt.Sprintf("both must be in 1..%d, e.g. 640x480", maxSide))
		}
		if c.Buffers < 1 || c.Buffers > 32 {
			bad("buffers", c.Buffers, "use 2..32 mmap buffers (4 is usual)")
		}
		if c.Timeout < time.Second {
			bad("timeout", c.Timeout, "use at least 1s (frames are polled in whole seconds)")
		}
		if c.Path != "" {
			bad("path", fmt.Sprintf("%q", c.Path), "is for the folder and mjpeg backends; use camera.device for v4l2")
		}
	case "folder", "mjpeg":
		if c.Path == "" {
			what := "an image folder"
			if c.Backend == "mjpeg" {
				what = "a Motion-JPEG file"
			}
			bad("path", `""`, "set "+what+" to replay")
		}
	}
	if c.FPS <= 0 || c.FPS > 1000 {
		bad("fps", c.FPS, "use a frame rate in (0, 1000], e.g. 15")
	}
	return errors.Join(errs...)
}
