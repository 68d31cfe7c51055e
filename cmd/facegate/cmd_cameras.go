package main

import (
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/facegate/facegate/capture"
)

func init() {
	register("cameras", command{
		summary: "list V4L2 cameras (driver, card, bus, formats, sizes, rates) or grab a snapshot",
		usage: "cameras [-dev DIR] [-all]\n" +
			"       facegate cameras snapshot DEVICE -o shot.jpg [-format yuyv|mjpeg] [-size 640x480] [-fps 15] [-skip 5]",
		run: runCameras,
	})
}

func runCameras(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "snapshot" {
		return runSnapshot(ctx, args[1:], stdout, stderr)
	}
	fs := newFlagSet("cameras", stderr)
	devDir := fs.String("dev", "/dev", "directory holding the video* nodes and v4l/by-id")
	all := fs.Bool("all", false, "show sizes and rates of every format, not only those facegate reads")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	nodes, err := capture.ListDevices(*devDir)
	if err != nil {
		return err
	}
	if len(nodes) == 0 {
		fmt.Fprintf(stdout, "no V4L2 devices (%s/video*)\n", *devDir)
		return nil
	}
	for i, n := range nodes {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		printDevice(stdout, n, *all)
	}
	return nil
}

func printDevice(w io.Writer, n capture.DeviceNode, all bool) {
	fmt.Fprintln(w, n.Path)
	for _, a := range n.Aliases {
		fmt.Fprintf(w, "  alias:    %s\n", a)
	}
	dev, err := capture.OpenDevice(n.Path)
	if err != nil {
		fmt.Fprintf(w, "  unusable: %v\n", err)
		return
	}
	defer dev.Close()
	info, err := dev.Describe()
	if err != nil {
		fmt.Fprintf(w, "  unusable: %v\n", err)
		return
	}
	fmt.Fprintf(w, "  driver:   %s\n  card:     %s\n  bus info: %s\n", info.Driver, info.Card, info.BusInfo)
	fmt.Fprintf(w, "  pin:      {driver: %q, card: %q, bus_info: %q}\n", info.Driver, info.Card, info.BusInfo)
	var others []string
	for _, f := range info.Formats {
		usable := f.Format == capture.FormatYUYV || f.Format.IsJPEG()
		if !usable && !all {
			others = append(others, f.Format.String())
			continue
		}
		fmt.Fprintf(w, "  format %s (%s)\n", f.Format, f.Description)
		for _, s := range f.Sizes {
			fmt.Fprintf(w, "    %-12s %s\n", s.String(), rates(s.Rates))
		}
	}
	if len(others) > 0 {
		fmt.Fprintf(w, "  other formats (not used by facegate; -all shows them): %s\n", strings.Join(others, " "))
	}
}

func rates(r []float64) string {
	if len(r) == 0 {
		return ""
	}
	s := make([]string, len(r))
	for i, v := range r {
		s[i] = strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strings.Join(s, ", ") + " fps"
}

func runSnapshot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("cameras snapshot", stderr)
	out := fs.String("o", "", "output JPEG file (required)")
	format := fs.String("format", "", `pixel format: "yuyv", "mjpeg" or "" for the best offered`)
	size := fs.String("size", "640x480", "frame size WxH (the nearest offered is used)")
	fps := fs.Float64("fps", 15, "frame rate to ask for")
	skip := fs.Int("skip", 5, "frames to discard first, so exposure and white balance settle")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for a frame")
	// The device comes first (`snapshot DEV -o x.jpg`); flags may also precede it.
	var dev string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dev, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if dev == "" && fs.NArg() > 0 {
		dev = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	if dev == "" {
		return usageError("missing DEVICE (see `facegate cameras`)")
	}
	if *out == "" {
		return usageError("missing -o FILE")
	}
	var w, h int
	if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil {
		return usageError("-size %q: want WxH, e.g. 640x480", *size)
	}
	cfg := capture.Config{Backend: "v4l2", Device: dev, Format: *format, Width: w, Height: h, FPS: *fps, Timeout: *timeout}
	src, err := capture.Open(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer src.Close()
	var f capture.Frame
	for i := 0; i <= *skip; i++ {
		// A failed read is returned, not retried: an installer wants to know.
		if f, err = src.Next(ctx); err != nil {
			return err
		}
	}
	img, err := f.RGBA(nil)
	if err != nil {
		return fmt.Errorf("convert %s frame: %w", f.Format, err)
	}
	if err := writeJPEG(*out, img); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %dx%d from a %s frame of %s\n", *out, img.Rect.Dx(), img.Rect.Dy(), f.Format, dev)
	return nil
}

// writeJPEG writes the image to a temporary file and renames it into place,
// so a failed write never leaves a half-written snapshot.
func writeJPEG(path string, img image.Image) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := jpeg.Encode(tmp, img, &jpeg.Options{Quality: 90}); err != nil {
		tmp.Close()
		return fmt.Errorf("write snapshot %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write snapshot %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}
