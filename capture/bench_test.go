package capture_test

import (
	"context"
	"image"
	"testing"

	"github.com/facegate/facegate/capture"
	"github.com/facegate/facegate/capture/capturetest"
)

func yuyv640() capture.Frame {
	return capture.Frame{Width: 640, Height: 480, Format: capture.FormatYUYV, Data: yuyvFrame(640, 480, 0)}
}

// Steady-state conversion into a reused image must not allocate.
func TestConversionDoesNotAllocate(t *testing.T) {
	f := yuyv640()
	rgba := image.NewRGBA(image.Rect(0, 0, 640, 480))
	gray := image.NewGray(image.Rect(0, 0, 640, 480))
	if n := testing.AllocsPerRun(10, func() { f.RGBA(rgba) }); n != 0 {
		t.Errorf("YUYV->RGBA: %v allocations per frame, want 0", n)
	}
	if n := testing.AllocsPerRun(10, func() { f.Gray(gray) }); n != 0 {
		t.Errorf("YUYV->Gray: %v allocations per frame, want 0", n)
	}
}

func BenchmarkYUYVToRGBA640x480(b *testing.B) {
	f := yuyv640()
	dst := image.NewRGBA(image.Rect(0, 0, 640, 480))
	b.SetBytes(int64(len(f.Data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.RGBA(dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkYUYVToGray640x480(b *testing.B) {
	f := yuyv640()
	dst := image.NewGray(image.Rect(0, 0, 640, 480))
	b.SetBytes(int64(len(f.Data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Gray(dst); err != nil {
			b.Fatal(err)
		}
	}
}

// MJPEG decode (image/jpeg, 4:2:0, quality 90) plus conversion into a
// reused RGBA. image/jpeg allocates its output planes every frame.
func BenchmarkMJPEGToRGBA640x480(b *testing.B) {
	data := encodeJPEG(b, 640, 480)
	f := capture.Frame{Width: 640, Height: 480, Format: capture.FormatMJPEG, Data: data}
	dst := image.NewRGBA(image.Rect(0, 0, 640, 480))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.RGBA(dst); err != nil {
			b.Fatal(err)
		}
	}
}

// The same frame without Huffman tables, as UVC cameras send it.
func BenchmarkMJPEGNoDHTToRGBA640x480(b *testing.B) {
	data := stripDHT(b, encodeJPEG(b, 640, 480))
	f := capture.Frame{Width: 640, Height: 480, Format: capture.FormatMJPEG, Data: data}
	dst := image.NewRGBA(image.Rect(0, 0, 640, 480))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.RGBA(dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMJPEGToGray640x480(b *testing.B) {
	data := encodeJPEG(b, 640, 480)
	f := capture.Frame{Width: 640, Height: 480, Format: capture.FormatMJPEG, Data: data}
	dst := image.NewGray(image.Rect(0, 0, 640, 480))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Gray(dst); err != nil {
			b.Fatal(err)
		}
	}
}

// One frame through Latest (source -> Run -> Next), 640x480 YUYV.
func BenchmarkLatestHandoff(b *testing.B) {
	src := capturetest.NewSource()
	l := capture.NewLatest(src)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	f := yuyv640()
	b.ReportAllocs()
	for b.Loop() {
		src.Frames <- f
		if _, err := l.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
