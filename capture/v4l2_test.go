package capture_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facegate/facegate/capture"
	"github.com/facegate/facegate/capture/capturetest"
)

// states records StateChanges; the source calls it synchronously.
type states struct {
	mu  sync.Mutex
	got []capture.StateChange
}

func (s *states) add(c capture.StateChange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, c)
}

func (s *states) list() []capture.StateChange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]capture.StateChange(nil), s.got...)
}

func (s *states) names() string {
	var b []string
	for _, c := range s.list() {
		b = append(b, c.State.String())
	}
	return strings.Join(b, ",")
}

func v4l2Config() capture.Config {
	return capture.Config{Backend: "v4l2", Device: "/dev/fake0", Format: "yuyv", Width: 640, Height: 480, FPS: 30}
}

func yuyvFrame(w, h int, seed byte) []byte {
	b := make([]byte, 2*w*h)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

// openFake opens a v4l2 source on cam with a manual clock.
func openFake(t *testing.T, cfg capture.Config, cam *capturetest.Camera) (capture.Source, *capturetest.Clock, *states, error) {
	t.Helper()
	clk := capturetest.NewClock(time.Unix(1e9, 0))
	st := &states{}
	src, err := capture.Open(context.Background(), cfg, nil,
		capture.WithOpener(cam.Open), capture.WithClock(clk), capture.WithStateFunc(st.add))
	return src, clk, st, err
}

// nextAsync runs src.Next in a goroutine, the way a pipeline would.
func nextAsync(ctx context.Context, src capture.Source) <-chan result {
	ch := make(chan result, 1)
	go func() {
		f, err := src.Next(ctx)
		r := result{f: f, err: err}
		if err == nil {
			r.f.Data = bytes.Clone(f.Data)
		}
		ch <- r
	}()
	return ch
}

type result struct {
	f   capture.Frame
	err error
}

func TestNegotiate(t *testing.T) {
	uvc := capturetest.Info()
	yuyvOnly := capturetest.Info()
	yuyvOnly.Formats = yuyvOnly.Formats[:1]
	mjpegOnly := capturetest.Info()
	mjpegOnly.Formats = mjpegOnly.Formats[1:]
	stepwise := capture.DeviceInfo{Formats: []capture.FormatInfo{{Format: capture.FormatYUYV, Sizes: []capture.SizeInfo{
		{MinWidth: 16, MaxWidth: 1920, StepWidth: 16, MinHeight: 16, MaxHeight: 1080, StepHeight: 8},
	}}}}
	grey := capture.DeviceInfo{Path: "/dev/video9", Formats: []capture.FormatInfo{{Format: capture.FormatGrey}, {Format: capture.PixelFormat(0x32424752)}}}
	tests := []struct {
		name     string
		format   string
		w, h     int
		info     capture.DeviceInfo
		want     capture.Mode
		wantWarn bool
		wantErr  error
	}{
		{"yuyv asked and offered", "yuyv", 640, 480, uvc, capture.Mode{Format: capture.FormatYUYV, Width: 640, Height: 480}, false, nil},
		{"mjpeg asked and offered", "mjpeg", 1280, 720, uvc, capture.Mode{Format: capture.FormatMJPEG, Width: 1280, Height: 720}, false, nil},
		{"best offered is yuyv", "", 640, 480, uvc, capture.Mode{Format: capture.FormatYUYV, Width: 640, Height: 480}, false, nil},
		{"mjpeg asked, only yuyv", "mjpeg", 640, 480, yuyvOnly, capture.Mode{Format: capture.FormatYUYV, Width: 640, Height: 480}, true, nil},
		{"yuyv asked, only mjpeg", "yuyv", 640, 480, mjpegOnly, capture.Mode{Format: capture.FormatMJPEG, Width: 640, Height: 480}, true, nil},
		{"nearest discrete size", "yuyv", 1200, 700, uvc, capture.Mode{Format: capture.FormatYUYV, Width: 1280, Height: 720}, false, nil},
		{"stepwise snaps to step", "yuyv", 650, 483, stepwise, capture.Mode{Format: capture.FormatYUYV, Width: 640, Height: 480}, false, nil},
		{"stepwise clamps", "yuyv", 4000, 3000, stepwise, capture.Mode{Format: capture.FormatYUYV, Width: 1920, Height: 1080}, false, nil},
		{"nothing usable", "", 640, 480, grey, capture.Mode{}, false, capture.ErrNoFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := v4l2Config()
			cfg.Format, cfg.Width, cfg.Height, cfg.FPS, cfg.Buffers = tt.format, tt.w, tt.h, 0, 0
			got, warn, err := capture.Negotiate(cfg, tt.info)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "GREY") || !strings.Contains(err.Error(), "/dev/video9") {
					t.Errorf("error %q should name the device and the formats offered", err)
				}
				return
			}
			if got != tt.want {
				t.Errorf("mode = %v, want %v", got, tt.want)
			}
			if (warn != "") != tt.wantWarn {
				t.Errorf("warning = %q, want warning: %v", warn, tt.wantWarn)
			}
		})
	}
}

func TestV4L2StartsNegotiatedMode(t *testing.T) {
	cam := capturetest.NewCamera(capturetest.Info())
	// The driver rounds the size and reports its stride, like real ones.
	cam.SetAdjust(func(m capture.Mode) capture.Mode { m.Stride = 2 * m.Width; m.FPS = 15; return m })
	cfg := v4l2Config()
	cfg.Width, cfg.Height, cfg.Buffers, cfg.Timeout = 1280, 720, 6, 3*time.Second
	src, _, st, err := openFake(t, cfg, cam)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	want := capture.Mode{Format: capture.FormatYUYV, Width: 1280, Height: 720, FPS: 30, Buffers: 6}
	if got := cam.Started(); len(got) != 1 || got[0] != want {
		t.Fatalf("Start calls = %v, want [%v]", got, want)
	}
	ch := nextAsync(context.Background(), src)
	cam.Frames <- yuyvFrame(1280, 720, 1)
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.f.Width != 1280 || r.f.Height != 720 || r.f.Format != capture.FormatYUYV || r.f.Stride != 2560 || r.f.Seq != 1 {
		t.Errorf("frame = %dx%d %s stride %d seq %d, want 1280x720 YUYV stride 2560 seq 1", r.f.Width, r.f.Height, r.f.Format, r.f.Stride, r.f.Seq)
	}
	if !bytes.Equal(r.f.Data, yuyvFrame(1280, 720, 1)) {
		t.Error("frame bytes differ from what the device delivered")
	}
	if got := cam.LastTimeout(); got != 3*time.Second {
		t.Errorf("Read timeout = %v, want camera.timeout 3s", got)
	}
	if l := st.list(); len(l) != 1 || l[0].State != capture.StateStreaming || l[0].Mode.FPS != 15 || l[0].Info.Driver != "uvcvideo" {
		t.Errorf("states = %+v, want one streaming change with the device's mode and info", l)
	}
}

func TestV4L2SkipsShortFrames(t *testing.T) {
	cam := capturetest.NewCamera(capturetest.Info())
	src, _, _, err := openFake(t, v4l2Config(), cam)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ch := nextAsync(context.Background(), src)
	cam.Frames <- make([]byte, 1000) // a truncated buffer
	cam.Frames <- yuyvFrame(640, 480, 7)
	r := <-ch
	if r.err != nil || r.f.Seq != 1 || len(r.f.Data) != 640*480*2 {
		t.Fatalf("got seq %d, %d bytes, err %v; want the full frame as seq 1", r.f.Seq, len(r.f.Data), r.err)
	}
}

func TestV4L2PinRefusal(t *testing.T) {
	tests := []struct {
		name    string
		pin     capture.Pin
		refuse  bool
		mention []string
	}{
		{"no pin", capture.Pin{}, false, nil},
		{"matching", capture.Pin{Driver: "uvcvideo", Card: "Fake Webcam", BusInfo: "usb-fake-1"}, false, nil},
		{"driver differs", capture.Pin{Driver: "vivid"}, true, []string{`driver "uvcvideo"`, `pinned "vivid"`}},
		{"bus differs", capture.Pin{Driver: "uvcvideo", BusInfo: "usb-0000:01:00.0-1.2"}, true, []string{`bus_info "usb-fake-1"`, "usb-0000:01:00.0-1.2"}},
		{"card differs", capture.Pin{Card: "Logitech C920"}, true, []string{`card "Fake Webcam"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cam := capturetest.NewCamera(capturetest.Info())
			cfg := v4l2Config()
			cfg.Pin = tt.pin
			src, _, _, err := openFake(t, cfg, cam)
			if !tt.refuse {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				src.Close()
			} else {
				if !errors.Is(err, capture.ErrPinMismatch) {
					t.Fatalf("Open err = %v, want ErrPinMismatch", err)
				}
				for _, m := range tt.mention {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("error %q does not mention %s", err, m)
					}
				}
				if cam.Started() != nil {
					t.Error("a refused camera was started")
				}
			}
			if cam.Opens() != cam.Closes() {
				t.Errorf("opens %d, closes %d: descriptor leak", cam.Opens(), cam.Closes())
			}
		})
	}
}

func TestV4L2OpenMissingDevice(t *testing.T) {
	cam := capturetest.NewCamera(capturetest.Info())
	cam.Unplug()
	_, _, _, err := openFake(t, v4l2Config(), cam)
	var de *capture.DeviceError
	if !errors.As(err, &de) || de.Op != "open" || !strings.Contains(err.Error(), "/dev/fake0") {
		t.Fatalf("err = %v, want a *DeviceError for op open naming /dev/fake0", err)
	}
}

func TestV4L2TimeoutThenReopen(t *testing.T) {
	cam := capturetest.NewCamera(capturetest.Info())
	src, clk, st, err := openFake(t, v4l2Config(), cam)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := context.Background()

	ch := nextAsync(ctx, src)
	cam.Errs <- fmt.Errorf("%w (2s)", capture.ErrTimeout)
	r := <-ch
	var de *capture.DeviceError
	if !errors.Is(r.err, capture.ErrTimeout) || !errors.As(r.err, &de) || de.Op != "read" {
		t.Fatalf("err = %v, want *DeviceError wrapping ErrTimeout", r.err)
	}
	if cam.Opens() != 1 || cam.Closes() != 1 {
		t.Fatalf("after timeout: opens %d closes %d, want the device closed", cam.Opens(), cam.Closes())
	}

	ch = nextAsync(ctx, src)
	if d := <-clk.Timers; d != time.Second {
		t.Fatalf("first reopen waits %v, want 1s", d)
	}
	clk.Advance(time.Second)
	cam.Frames <- yuyvFrame(640, 480, 3)
	if r := <-ch; r.err != nil || r.f.Seq != 1 {
		t.Fatalf("after reopen: seq %d err %v", r.f.Seq, r.err)
	}
	if cam.Opens() != 2 {
		t.Errorf("opens = %d, want 2", cam.Opens())
	}
	if got, want := st.names(), "streaming,lost,reconnecting,streaming"; got != want {
		t.Errorf("states = %s, want %s", got, want)
	}
}

func TestV4L2UnplugBackoffReconnect(t *testing.T) {
	cam := capturetest.NewCamera(capturetest.Info())
	src, clk, st, err := openFake(t, v4l2Config(), cam)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	cam.Unplug()
	r := <-nextAsync(ctx, src)
	if !errors.Is(r.err, capture.ErrDeviceLost) {
		t.Fatalf("after unplug err = %v, want ErrDeviceLost", r.err)
	}

	// Reopen attempts back off 1s, 2s, 4s, ... capped at 30s.
	ch := nextAsync(ctx, src)
	for _, want := range []time.Duration{1, 2, 4, 8, 16, 30, 30} {
		if d := <-clk.Timers; d != want*time.Second {
			t.Fatalf("backoff %v, want %v", d, want*time.Second)
		}
		clk.Advance(want * time.Second)
	}
	// The 8th attempt is waiting; plug the camera back in before it fires.
	if d := <-clk.Timers; d != 30*time.Second {
		t.Fatalf("backoff %v, want 30s", d)
	}
	cam.Plug()
	clk.Advance(30 * time.Second)
	cam.Frames <- yuyvFrame(640, 480, 9)
	if r := <-ch; r.err != nil {
		t.Fatalf("after replug: %v", r.err)
	}

	var attempts []int
	for _, c := range st.list() {
		if c.State == capture.StateReconnecting {
			attempts = append(attempts, c.Attempt)
			if c.Err == nil {
				t.Errorf("reconnecting change %d carries no cause", c.Attempt)
			}
		}
	}
	if fmt.Sprint(attempts) != "[1 2 3 4 5 6 7 8]" {
		t.Errorf("reconnect attempts reported = %v, want 1..8", attempts)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if cam.Opens() != 2 || cam.Closes() != 2 {
		t.Errorf("opens %d closes %d, want 2 and 2 (no leak)", cam.Opens(), cam.Closes())
	}
	if l := st.list(); l[len(l)-1].State != capture.StateClosed {
		t.Errorf("last state %v, want closed", l[len(l)-1].State)
	}
	if _, err := src.Next(ctx); !errors.Is(err, capture.ErrClosed) {
		t.Errorf("Next after Close = %v, want ErrClosed", err)
	}
}

func TestV4L2ReconnectRefusesSwappedCamera(t *testing.T) {
	cam := capturetest.NewCamera(capturetest.Info())
	cfg := v4l2Config()
	cfg.Pin = capture.Pin{Driver: "uvcvideo", Card: "Fake Webcam"}
	src, clk, st, err := openFake(t, cfg, cam)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	cam.Unplug()
	<-nextAsync(context.Background(), src)
	// A virtual camera appears at the same path.
	fakeCam := capturetest.Info()
	fakeCam.Driver, fakeCam.Card = "v4l2 loopback", "OBS Virtual Camera"
	cam.SetInfo(fakeCam)
	cam.Plug()

	ctx, cancel := context.WithCancel(context.Background())
	ch := nextAsync(ctx, src)
	<-clk.Timers
	clk.Advance(time.Second)
	<-clk.Timers // attempt 1 was refused; attempt 2 is waiting
	cancel()
	if r := <-ch; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", r.err)
	}
	var refused error
	for _, c := range st.list() {
		if c.State == capture.StateReconnecting && c.Attempt == 2 {
			refused = c.Err
		}
	}
	if !errors.Is(refused, capture.ErrPinMismatch) || !strings.Contains(refused.Error(), "OBS Virtual Camera") {
		t.Errorf("attempt 2 reports cause %v, want a pin mismatch naming the card found", refused)
	}
	if cam.Opens() != cam.Closes() {
		t.Errorf("opens %d closes %d: the refused device leaked", cam.Opens(), cam.Closes())
	}
}

func TestV4L2CancelWhileReading(t *testing.T) {
	cam := capturetest.NewCamera(capturetest.Info())
	src, _, st, err := openFake(t, v4l2Config(), cam)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := nextAsync(ctx, src)
	cancel()
	if r := <-ch; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", r.err)
	}
	if got := st.names(); got != "streaming" {
		t.Errorf("states = %s: cancellation must not count as a device loss", got)
	}
	src.Close()
	if cam.Opens() != 1 || cam.Closes() != 1 {
		t.Errorf("opens %d closes %d", cam.Opens(), cam.Closes())
	}
}
