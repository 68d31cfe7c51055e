package capture

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func init() {
	register("folder", openFolder)
	register("mjpeg", openMJPEG)
}

// pacer spaces frames Period apart on a clock. A consumer that falls more
// than one period behind resets the schedule instead of getting a burst.
type pacer struct {
	clk    Clock
	period time.Duration
	next   time.Time
}

func newPacer(clk Clock, fps float64) pacer {
	return pacer{clk: clk, period: time.Duration(float64(time.Second) / fps)}
}

// wait blocks until the next frame is due and returns that time.
func (p *pacer) wait(ctx context.Context) (time.Time, error) {
	now := p.clk.Now()
	if p.next.IsZero() || now.Sub(p.next) > p.period {
		p.next = now
	}
	if d := p.next.Sub(now); d > 0 {
		if err := sleep(ctx, p.clk, d); err != nil {
			return time.Time{}, err
		}
		now = p.clk.Now()
	} else if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	p.next = p.next.Add(p.period)
	return now, nil
}

// folderSource replays the images of a folder in name order.
type folderSource struct {
	dir   string
	files []string
	loop  bool
	pace  pacer
	i     int
	seq   uint64
	buf   []byte
	rgba  *image.RGBA
	log   *slog.Logger
}

// imageExts are the file types the folder backend replays.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true}

func openFolder(_ context.Context, cfg Config, log *slog.Logger, o *options) (Source, error) {
	ents, err := os.ReadDir(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("camera.path %q: %w (set it to a folder of .jpg/.png frames)", cfg.Path, err)
	}
	var files []string
	for _, e := range ents {
		if !e.IsDir() && imageExts[strings.ToLower(filepath.Ext(e.Name()))] {
			files = append(files, filepath.Join(cfg.Path, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("camera.path %q: no .jpg, .jpeg or .png files to replay", cfg.Path)
	}
	sort.Strings(files)
	log.Info("replaying folder", "path", cfg.Path, "frames", len(files), "fps", cfg.FPS, "loop", cfg.Loop)
	return &folderSource{dir: cfg.Path, files: files, loop: cfg.Loop, pace: newPacer(o.clock, cfg.FPS), log: log}, nil
}

// Next returns the next image: JPEG files as FormatJPEG frames (undecoded),
// PNG files decoded to FormatRGBA.
func (s *folderSource) Next(ctx context.Context) (Frame, error) {
	if s.files == nil {
		return Frame{}, ErrClosed
	}
	if s.i == len(s.files) {
		if !s.loop {
			return Frame{}, io.EOF
		}
		s.i = 0
	}
	t, err := s.pace.wait(ctx)
	if err != nil {
		return Frame{}, err
	}
	name := s.files[s.i]
	s.i++
	if err := s.read(name); err != nil {
		return Frame{}, fmt.Errorf("replay %s: %w", name, err)
	}
	s.seq++
	f := Frame{Time: t, Seq: s.seq}
	if strings.EqualFold(filepath.Ext(name), ".png") {
		img, err := png.Decode(bytes.NewReader(s.buf))
		if err != nil {
			return Frame{}, fmt.Errorf("replay %s: decode PNG: %w", name, err)
		}
		b := img.Bounds()
		s.rgba = fitRGBA(s.rgba, b.Dx(), b.Dy())
		imageToRGBA(s.rgba, img)
		f.Format, f.Width, f.Height, f.Stride, f.Data = FormatRGBA, b.Dx(), b.Dy(), s.rgba.Stride, s.rgba.Pix
		return f, nil
	}
	w, h, err := jpegSize(s.buf)
	if err != nil {
		return Frame{}, fmt.Errorf("replay %s: %w", name, err)
	}
	f.Format, f.Width, f.Height, f.Data = FormatJPEG, w, h, s.buf
	return f, nil
}

// read loads a file into s.buf, reusing its capacity.
func (s *folderSource) read(name string) error {
	fh, err := os.Open(name)
	if err != nil {
		return err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	n := int(st.Size())
	if cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	s.buf = s.buf[:n]
	_, err = io.ReadFull(fh, s.buf)
	return err
}

func (s *folderSource) Close() error {
	s.files = nil
	return nil
}

// maxJPEGFrame bounds one frame of an MJPEG file.
const maxJPEGFrame = 32 << 20

// mjpegSource replays a Motion-JPEG file: JPEG images back to back.
type mjpegSource struct {
	path  string
	f     *os.File
	sc    *bufio.Scanner
	split Splitter
	buf   []byte
	loop  bool
	pace  pacer
	seq   uint64
	pass  uint64 // frames seen in the current pass
}

func openMJPEG(_ context.Context, cfg Config, log *slog.Logger, o *options) (Source, error) {
	f, err := os.Open(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("camera.path %q: %w (set it to a Motion-JPEG file)", cfg.Path, err)
	}
	s := &mjpegSource{path: cfg.Path, f: f, loop: cfg.Loop, pace: newPacer(o.clock, cfg.FPS), buf: make([]byte, 256<<10)}
	s.rewind()
	log.Info("replaying MJPEG file", "path", cfg.Path, "fps", cfg.FPS, "loop", cfg.Loop)
	return s, nil
}

func (s *mjpegSource) rewind() {
	s.split = Splitter{}
	s.sc = bufio.NewScanner(s.f)
	s.sc.Buffer(s.buf, maxJPEGFrame)
	s.sc.Split(s.split.Split)
	s.pass = 0
}

// Next returns the next JPEG of the file as a FormatMJPEG frame.
func (s *mjpegSource) Next(ctx context.Context) (Frame, error) {
	if s.f == nil {
		return Frame{}, ErrClosed
	}
	t, err := s.pace.wait(ctx)
	if err != nil {
		return Frame{}, err
	}
	for !s.sc.Scan() {
		if err := s.sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				err = fmt.Errorf("frame at offset %d longer than %d bytes: %w", s.split.Offset, maxJPEGFrame, err)
			}
			return Frame{}, fmt.Errorf("replay %s: %w", s.path, err)
		}
		if s.pass == 0 {
			return Frame{}, fmt.Errorf("replay %s: %w: no JPEG frame in the file", s.path, ErrJPEG)
		}
		if !s.loop {
			return Frame{}, io.EOF
		}
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return Frame{}, fmt.Errorf("replay %s: rewind: %w", s.path, err)
		}
		s.rewind()
	}
	data := s.sc.Bytes()
	s.pass++
	w, h, err := jpegSize(data)
	if err != nil {
		return Frame{}, fmt.Errorf("replay %s: frame at offset %d: %w", s.path, s.split.Offset-int64(len(data)), err)
	}
	s.seq++
	return Frame{Time: t, Seq: s.seq, Format: FormatMJPEG, Width: w, Height: h, Data: data}, nil
}

func (s *mjpegSource) Close() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}
