//go:build vmtest

// Tests against the real vivid V4L2 driver, run inside a qemu guest by
// `make vmtest` (scripts/vmtest.sh, vmtest/init loads vivid with
// n_devs=1 node_types=0x1, so /dev/video0 is its capture node).

package capture_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blackjack/webcam"

	"github.com/facegate/facegate/capture"
)

const vividDev = "/dev/video0"

func vmLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func vividConfig(format string) capture.Config {
	return capture.Config{
		Backend: "v4l2", Device: vividDev, Format: format, Width: 640, Height: 480,
		FPS: 30, Timeout: 3 * time.Second, Pin: capture.Pin{Driver: "vivid"},
	}
}

// readFrames reads n frames, keeping copies.
func readFrames(t *testing.T, ctx context.Context, src capture.Source, n int) []capture.Frame {
	t.Helper()
	var frames []capture.Frame
	start := time.Now()
	for len(frames) < n {
		f, err := src.Next(ctx)
		if err != nil {
			t.Fatalf("Next after %d frames: %v", len(frames), err)
		}
		f.Data = bytes.Clone(f.Data)
		frames = append(frames, f)
	}
	el := time.Since(start)
	t.Logf("%d frames in %v (%.1f fps)", n, el.Round(time.Millisecond), float64(n)/el.Seconds())
	return frames
}

func TestVMVividYUYV(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src, err := capture.Open(ctx, vividConfig("yuyv"), vmLogger(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer src.Close()
	frames := readFrames(t, ctx, src, 30)
	changed := 0
	for i, f := range frames {
		if f.Format != capture.FormatYUYV || f.Width != 640 || f.Height != 480 {
			t.Fatalf("frame %d: %s %dx%d, want YUYV 640x480", i, f.Format, f.Width, f.Height)
		}
		if len(f.Data) < 640*480*2 {
			t.Fatalf("frame %d: %d bytes, want %d", i, len(f.Data), 640*480*2)
		}
		if f.Seq != uint64(i+1) {
			t.Errorf("frame %d: seq %d", i, f.Seq)
		}
		if i > 0 {
			if !f.Time.After(frames[i-1].Time) {
				t.Errorf("frame %d: time %v not after the previous %v", i, f.Time, frames[i-1].Time)
			}
			if !bytes.Equal(f.Data, frames[i-1].Data) {
				changed++
			}
		}
	}
	if changed < len(frames)/2 {
		t.Errorf("only %d of %d consecutive frame pairs differ", changed, len(frames)-1)
	}
	t.Logf("%d of %d consecutive frame pairs differ", changed, len(frames)-1)

	// vivid's test pattern has saturated colour bars: the RGBA conversion
	// must show colour, not grey or a uniform image.
	img, err := frames[len(frames)-1].RGBA(nil)
	if err != nil {
		t.Fatal(err)
	}
	coloured := 0
	for i := 0; i < len(img.Pix); i += 4 {
		r, g, b := int(img.Pix[i]), int(img.Pix[i+1]), int(img.Pix[i+2])
		if max(r, g, b)-min(r, g, b) > 100 {
			coloured++
		}
	}
	if coloured < 640*480/10 {
		t.Errorf("only %d strongly coloured pixels in the RGBA frame", coloured)
	}
	gray, err := frames[len(frames)-1].Gray(nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(gray.Pix, gray.Pix[:1]) == len(gray.Pix) {
		t.Error("grey frame is uniform")
	}
}

func TestVMVividMJPEG(t *testing.T) {
	info := describeVivid(t)
	offered := false
	for _, f := range info.Formats {
		offered = offered || f.Format.IsJPEG()
	}
	if !offered {
		// vivid generates raw test patterns only; the MJPEG path is covered by
		// the fake device and the replay tests.
		t.Skipf("vivid offers no MJPEG (%d formats)", len(info.Formats))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src, err := capture.Open(ctx, vividConfig("mjpeg"), vmLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for i, f := range readFrames(t, ctx, src, 10) {
		if _, err := f.RGBA(nil); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
}

func describeVivid(t *testing.T) capture.DeviceInfo {
	t.Helper()
	dev, err := capture.OpenDevice(vividDev)
	if err != nil {
		t.Fatalf("open %s: %v", vividDev, err)
	}
	defer dev.Close()
	info, err := dev.Describe()
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestVMVividDescribeAndPin(t *testing.T) {
	info := describeVivid(t)
	t.Logf("driver %q card %q bus %q, %d formats", info.Driver, info.Card, info.BusInfo, len(info.Formats))
	if info.Driver != "vivid" || !strings.HasPrefix(info.BusInfo, "platform:vivid") {
		t.Errorf("identity %q/%q, want driver vivid on platform:vivid-*", info.Driver, info.BusInfo)
	}
	if len(info.Formats) == 0 || info.Formats[0].Format != capture.FormatYUYV {
		t.Fatalf("formats %v: want YUYV first", info.Formats)
	}
	found := false
	for _, s := range info.Formats[0].Sizes {
		if s.MaxWidth == 640 && s.MaxHeight == 480 && len(s.Rates) > 0 {
			found = true
			t.Logf("YUYV 640x480 rates %v", s.Rates)
		}
	}
	if !found {
		t.Error("no YUYV 640x480 size with frame rates")
	}

	cfg := vividConfig("yuyv")
	cfg.Pin = capture.Pin{Driver: "uvcvideo", BusInfo: "usb-0000:01:00.0-1"}
	_, err := capture.Open(context.Background(), cfg, nil)
	if !errors.Is(err, capture.ErrPinMismatch) || !strings.Contains(err.Error(), `driver "vivid"`) {
		t.Fatalf("Open with a uvcvideo pin = %v, want a pin mismatch naming the vivid driver", err)
	}
	t.Logf("refused as expected: %v", err)
}

// vividArgs returns the module arguments the guest's init used.
func vividArgs(t *testing.T) []string {
	b, err := os.ReadFile("/lib/modules/load.order")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "vivid.ko" {
			return f[1:]
		}
	}
	t.Fatal("vivid.ko not in /lib/modules/load.order")
	return nil
}

func run(t *testing.T, name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	t.Logf("$ %s %s: %s (err %v)", name, strings.Join(args, " "), strings.TrimSpace(string(out)), err)
	return err
}

// TestVMVividUnplugReconnect pulls the camera out from under a streaming
// source: the driver is unbound (what a USB unplug does), Next must return
// a *DeviceError wrapping ErrDeviceLost; the module is then unloaded and
// loaded again, and the source must reconnect by itself.
//
// The module cannot be unloaded first: an open /dev/video0 holds a
// reference on vivid, so rmmod fails with EAGAIN while streaming.
func TestVMVividUnplugReconnect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var mu sync.Mutex
	var states []capture.StateChange
	onState := func(c capture.StateChange) {
		mu.Lock()
		states = append(states, c)
		mu.Unlock()
		t.Logf("state %s attempt %d delay %v err %v", c.State, c.Attempt, c.Delay, c.Err)
	}
	goroutines := runtime.NumGoroutine()
	src, err := capture.Open(ctx, vividConfig("yuyv"), vmLogger(t), capture.WithStateFunc(onState))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	readFrames(t, ctx, src, 5)

	args := vividArgs(t)
	if err := os.WriteFile("/sys/bus/platform/drivers/vivid/unbind", []byte("vivid.0"), 0); err != nil {
		t.Fatalf("unbind vivid.0: %v", err)
	}
	var lostAt time.Time
	for {
		_, err := src.Next(ctx)
		if err == nil {
			continue // frames already queued before the unbind
		}
		var de *capture.DeviceError
		if !errors.As(err, &de) || !errors.Is(err, capture.ErrDeviceLost) {
			t.Fatalf("after unbind Next = %v, want *DeviceError wrapping ErrDeviceLost", err)
		}
		t.Logf("typed error after unbind: %v", err)
		lostAt = time.Now()
		break
	}
	// The source closed the device, so the module can go now.
	if err := run(t, "rmmod", "vivid"); err != nil {
		t.Fatalf("rmmod vivid after the source closed the device: %v", err)
	}
	if _, err := os.Stat(vividDev); err == nil {
		t.Fatalf("%s still exists after rmmod", vividDev)
	}
	if err := run(t, "insmod", append([]string{"/lib/modules/vivid.ko"}, args...)...); err != nil {
		t.Fatal(err)
	}
	frames := readFrames(t, ctx, src, 10)
	t.Logf("reconnected %v after the loss", time.Since(lostAt).Round(time.Millisecond))
	if frames[0].Width != 640 || frames[0].Format != capture.FormatYUYV {
		t.Errorf("after reconnect: %s %dx%d", frames[0].Format, frames[0].Width, frames[0].Height)
	}
	mu.Lock()
	var seq []string
	for _, c := range states {
		seq = append(seq, c.State.String())
	}
	mu.Unlock() // Close below reports a state change
	got := strings.Join(seq, ",")
	if !strings.HasPrefix(got, "streaming,lost,reconnecting") || !strings.HasSuffix(got, "reconnecting,streaming") {
		t.Errorf("states %s, want streaming,lost,reconnecting...,streaming", got)
	}
	// No descriptor leak across the reconnect: only the new device's two
	// descriptors (webcam's and the QUERYCAP/G_FMT one) point at video0.
	if n := openVideoFDs(t); n != 2 {
		t.Errorf("%d open descriptors on %s, want 2", n, vividDev)
	}
	if err := src.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if n := openVideoFDs(t); n != 0 {
		t.Errorf("%d descriptors on %s still open after Close", n, vividDev)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Errorf("%d goroutines after Close, %d before Open", n, goroutines)
	}
}

func openVideoFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(l, "/dev/video") {
			n++
		}
	}
	return n
}

func TestVMLatestDropsWhenSlow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src, err := capture.Open(ctx, vividConfig("yuyv"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	l := capture.NewLatest(src)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- l.Run(runCtx) }()
	var last uint64
	for i := 0; i < 5; i++ {
		f, err := l.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f.Seq <= last {
			t.Fatalf("seq %d after %d", f.Seq, last)
		}
		last = f.Seq
		time.Sleep(200 * time.Millisecond) // a slow consumer (simulated work, not synchronisation)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Logf("received %d, delivered %d, dropped %d, last seq delivered %d", l.Received(), l.Delivered(), l.Dropped(), last)
	if l.Dropped() == 0 {
		t.Error("a consumer at 5 fps behind a 30 fps camera dropped nothing")
	}
	if d := l.Received() - l.Delivered() - l.Dropped(); d > 1 {
		t.Errorf("received %d, delivered %d, dropped %d: %d frames unaccounted for", l.Received(), l.Delivered(), l.Dropped(), d)
	}
}

// setVividControl sets one of vivid's controls by name through a second
// handle on the device (controls belong to the device, not the handle).
func setVividControl(t *testing.T, name string, value int32) {
	t.Helper()
	cam, err := webcam.Open(vividDev)
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	for id, c := range cam.GetControls() {
		if c.Name == name {
			if err := cam.SetControl(id, value); err != nil {
				t.Fatalf("set %q = %d: %v", name, value, err)
			}
			return
		}
	}
	t.Fatalf("vivid has no control %q", name)
}

// TestVMVividTimeout makes vivid drop every buffer, so the device stays
// open but delivers nothing: Next must give up after camera.timeout with a
// *DeviceError wrapping ErrTimeout, then reopen the device and stream again
// once frames flow.
func TestVMVividTimeout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg := vividConfig("yuyv")
	cfg.Timeout = time.Second
	src, err := capture.Open(ctx, cfg, vmLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	readFrames(t, ctx, src, 3)
	setVividControl(t, "Percentage of Dropped Buffers", 100)
	defer setVividControl(t, "Percentage of Dropped Buffers", 0)
	start := time.Now()
	for {
		_, err := src.Next(ctx)
		if err == nil {
			if time.Since(start) > 10*time.Second {
				t.Fatal("frames still arrive 10s after vivid was told to drop them all")
			}
			continue // buffers filled before the control took effect
		}
		var de *capture.DeviceError
		if !errors.As(err, &de) || !errors.Is(err, capture.ErrTimeout) {
			t.Fatalf("Next = %v, want *DeviceError wrapping ErrTimeout", err)
		}
		t.Logf("typed error after %v: %v", time.Since(start).Round(time.Millisecond), err)
		break
	}
	setVividControl(t, "Percentage of Dropped Buffers", 0)
	readFrames(t, ctx, src, 3)
}
