package capture_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facegate/facegate/capture"
	"github.com/facegate/facegate/capture/capturetest"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func pngOf(t *testing.T, w, h int, c color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// openReplay opens a replay source with a manual clock whose timer requests
// are answered automatically by advancing the clock (pacing is checked in
// TestReplayPacing).
func openReplay(t *testing.T, cfg capture.Config) capture.Source {
	t.Helper()
	clk := capturetest.NewClock(time.Unix(0, 0))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		for {
			select {
			case d := <-clk.Timers:
				clk.Advance(d)
			case <-ctx.Done():
				return
			}
		}
	}()
	src, err := capture.Open(context.Background(), cfg, nil, capture.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func TestFolderReplay(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "002.png"), pngOf(t, 4, 3, color.RGBA{0, 255, 0, 255}))
	writeFile(t, filepath.Join(dir, "001.jpg"), encodeJPEG(t, 16, 8))
	writeFile(t, filepath.Join(dir, "003.JPEG"), encodeJPEG(t, 8, 16))
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("ignored"))
	for _, loop := range []bool{false, true} {
		src := openReplay(t, capture.Config{Backend: "folder", Path: dir, FPS: 10, Loop: loop})
		want := []struct {
			format capture.PixelFormat
			w, h   int
		}{{capture.FormatJPEG, 16, 8}, {capture.FormatRGBA, 4, 3}, {capture.FormatJPEG, 8, 16}, {capture.FormatJPEG, 16, 8}}
		n := 3
		if loop {
			n = 4
		}
		for i := 0; i < n; i++ {
			f, err := src.Next(context.Background())
			if err != nil {
				t.Fatalf("loop=%v frame %d: %v", loop, i, err)
			}
			if f.Format != want[i].format || f.Width != want[i].w || f.Height != want[i].h || f.Seq != uint64(i+1) {
				t.Errorf("loop=%v frame %d: %s %dx%d seq %d, want %s %dx%d", loop, i, f.Format, f.Width, f.Height, f.Seq, want[i].format, want[i].w, want[i].h)
			}
			img, err := f.RGBA(nil)
			if err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
			if f.Format == capture.FormatRGBA && img.RGBAAt(1, 1) != (color.RGBA{0, 255, 0, 255}) {
				t.Errorf("PNG pixel = %v", img.RGBAAt(1, 1))
			}
		}
		if !loop {
			if _, err := src.Next(context.Background()); !errors.Is(err, io.EOF) {
				t.Errorf("after the last image: %v, want io.EOF", err)
			}
		}
	}
}

func TestFolderReplayErrors(t *testing.T) {
	empty := t.TempDir()
	bad := t.TempDir()
	writeFile(t, filepath.Join(bad, "a.jpg"), []byte("not a jpeg"))
	tests := []struct {
		name, path, mention string
		openErr             bool
	}{
		{"missing folder", filepath.Join(empty, "nope"), "nope", true},
		{"no images", empty, "no .jpg", true},
		{"corrupt image", bad, "a.jpg", false},
	}
	for _, tt := range tests {
		src, err := capture.Open(context.Background(), capture.Config{Backend: "folder", Path: tt.path}, nil)
		if !tt.openErr {
			if err != nil {
				t.Fatalf("%s: Open: %v", tt.name, err)
			}
			_, err = src.Next(context.Background())
		}
		if err == nil || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: err = %v, want an error mentioning %q", tt.name, err, tt.mention)
		}
	}
}

func TestMJPEGReplay(t *testing.T) {
	dir := t.TempDir()
	a, b := encodeJPEG(t, 16, 8), encodeJPEG(t, 32, 16)
	path := filepath.Join(dir, "clip.mjpeg")
	writeFile(t, path, append(append(append([]byte{}, a...), b...), a...))

	src := openReplay(t, capture.Config{Backend: "mjpeg", Path: path, FPS: 25})
	var sizes []int
	for {
		f, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.Format != capture.FormatMJPEG {
			t.Errorf("format %s", f.Format)
		}
		if _, err := f.RGBA(nil); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, f.Width)
	}
	if len(sizes) != 3 || sizes[0] != 16 || sizes[1] != 32 || sizes[2] != 16 {
		t.Errorf("frame widths %v, want [16 32 16]", sizes)
	}

	looped := openReplay(t, capture.Config{Backend: "mjpeg", Path: path, FPS: 25, Loop: true})
	for i := 0; i < 7; i++ {
		f, err := looped.Next(context.Background())
		if err != nil {
			t.Fatalf("looping frame %d: %v", i, err)
		}
		if f.Seq != uint64(i+1) {
			t.Errorf("seq %d, want %d", f.Seq, i+1)
		}
	}

	trunc := filepath.Join(dir, "trunc.mjpeg")
	writeFile(t, trunc, append(append([]byte{}, a...), b[:len(b)/2]...))
	src = openReplay(t, capture.Config{Backend: "mjpeg", Path: trunc, FPS: 25})
	if _, err := src.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := src.Next(context.Background())
	if !errors.Is(err, capture.ErrJPEG) || !strings.Contains(err.Error(), "trunc.mjpeg") || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated frame: %v, want ErrJPEG naming the file", err)
	}

	junk := filepath.Join(dir, "junk.mjpeg")
	writeFile(t, junk, []byte("no jpeg here"))
	src = openReplay(t, capture.Config{Backend: "mjpeg", Path: junk, FPS: 25, Loop: true})
	if _, err := src.Next(context.Background()); !errors.Is(err, capture.ErrJPEG) {
		t.Errorf("file without frames: %v, want ErrJPEG (and no endless loop)", err)
	}
}

func TestReplayPacing(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.jpg", "b.jpg", "c.jpg", "d.jpg"} {
		writeFile(t, filepath.Join(dir, n), encodeJPEG(t, 8, 8))
	}
	clk := capturetest.NewClock(time.Unix(0, 0))
	src, err := capture.Open(context.Background(), capture.Config{Backend: "folder", Path: dir, FPS: 4}, nil, capture.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := context.Background()

	f0, err := src.Next(ctx) // the first frame is due at once
	if err != nil {
		t.Fatal(err)
	}
	ch := nextAsync(ctx, src)
	if d := <-clk.Timers; d != 250*time.Millisecond {
		t.Fatalf("waits %v for frame 2 at 4 fps, want 250ms", d)
	}
	clk.Advance(250 * time.Millisecond)
	r := <-ch
	if r.err != nil || r.f.Time.Sub(f0.Time) != 250*time.Millisecond {
		t.Fatalf("frame 2 at +%v (err %v), want +250ms", r.f.Time.Sub(f0.Time), r.err)
	}
	// A consumer 100ms late gets the next frame 150ms after that.
	clk.Advance(100 * time.Millisecond)
	ch = nextAsync(ctx, src)
	if d := <-clk.Timers; d != 150*time.Millisecond {
		t.Fatalf("waits %v, want 150ms", d)
	}
	clk.Advance(150 * time.Millisecond)
	<-ch
	// A consumer a whole second late gets a frame at once, no burst after.
	clk.Advance(time.Second)
	if _, err := src.Next(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-clk.Timers:
		t.Fatalf("late consumer waited %v", d)
	default:
	}

	// Cancellation interrupts the wait.
	cctx, cancel := context.WithCancel(ctx)
	src2, _ := capture.Open(ctx, capture.Config{Backend: "folder", Path: dir, FPS: 1}, nil, capture.WithClock(clk))
	defer src2.Close()
	if _, err := src2.Next(cctx); err != nil {
		t.Fatal(err)
	}
	ch = nextAsync(cctx, src2)
	<-clk.Timers
	cancel()
	if r := <-ch; !errors.Is(r.err, context.Canceled) {
		t.Errorf("cancelled wait returned %v", r.err)
	}
}
