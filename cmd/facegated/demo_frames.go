package main

import (
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	xdraw "golang.org/x/image/draw"

	"github.com/facegate/facegate/infer"
)

// Demo replay frames are synthesised from still photos: each person "walks
// up" to the camera over a segment of frames (growing scale, small shifts,
// brightness changes), separated by empty frames so every walk-up is a new
// face track.

const (
	demoW, demoH = 640, 480
	// walkFrames is the length of one walk-up; gapFrames the empty frames after it.
	walkFrames = 24
	gapFrames  = 12
	// gapInterval paces the empty frames: a gap lasts 3.6 s, longer than the
	// demo's track gap, so each walk-up is a new track even when a loaded
	// machine processes frames slowly.
	gapInterval = 300 * time.Millisecond
)

// demoSubject is one person of the demo: a photo, the part of it holding
// the head and shoulders, and whether the person is enrolled.
type demoSubject struct {
	id       string
	name     string
	img      *image.RGBA
	crop     image.Rectangle
	enrolled bool
	// enroll are the photos enrolled for the person (img when empty).
	enroll []*image.RGBA
}

// skimageSubjects loads the two public-domain scikit-image photos that
// scripts/demo.sh extracts from Debian's python3-skimage: astronaut.png
// (Eileen Collins, enrolled) and camera.png (the cameraman, a stranger).
func skimageSubjects(dir string) ([]demoSubject, error) {
	load := func(name string) (*image.RGBA, error) {
		img, err := infer.DecodeFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("demo face %s (run scripts/demo.sh, which fetches python3-skimage): %w", name, err)
		}
		return img, nil
	}
	astro, err := load("astronaut.png")
	if err != nil {
		return nil, err
	}
	cam, err := load("camera.png")
	if err != nil {
		return nil, err
	}
	return []demoSubject{
		{id: "astronaut", name: "Eileen Collins (astronaut.png)", img: astro, crop: image.Rect(96, 0, 352, 300), enrolled: true},
		{id: "cameraman", name: "the cameraman (camera.png, not enrolled)", img: cam, crop: image.Rect(130, 40, 310, 220)},
	}, nil
}

// folderSubjects loads DIR/<person>/*.jpg|png: folders whose name starts
// with "stranger" or "unknown" are replayed but not enrolled; the others
// are enrolled from all their photos but the last, which is replayed
// (or the only one, which is then both).
func folderSubjects(dir string) ([]demoSubject, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("faces folder: %w", err)
	}
	var out []demoSubject
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		var files []string
		for _, pat := range []string{"*.jpg", "*.jpeg", "*.png", "*.JPG", "*.PNG"} {
			m, _ := filepath.Glob(filepath.Join(dir, e.Name(), pat))
			files = append(files, m...)
		}
		sort.Strings(files)
		if len(files) == 0 {
			continue
		}
		var imgs []*image.RGBA
		for _, f := range files {
			img, err := infer.DecodeFile(f)
			if err != nil {
				return nil, fmt.Errorf("faces folder: %w", err)
			}
			imgs = append(imgs, img)
		}
		s := demoSubject{id: strings.ToLower(e.Name()), name: e.Name(), img: imgs[len(imgs)-1]}
		s.crop = s.img.Bounds()
		lower := strings.ToLower(e.Name())
		s.enrolled = !strings.HasPrefix(lower, "stranger") && !strings.HasPrefix(lower, "unknown")
		if s.enrolled {
			s.enroll = imgs
			if len(imgs) > 1 {
				s.enroll = imgs[:len(imgs)-1]
			}
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("faces folder %s: no DIR/<person>/*.jpg or *.png found", dir)
	}
	return out, nil
}

// demoReplay is a frame source cycling through the subjects' walk-ups,
// paced at fps like a camera. It stops after limit frames (0: never).
type demoReplay struct {
	subjects []demoSubject
	fps      int
	limit    int
	n        int
	next     time.Time
	// free holds the frame buffers not in use: one is rendered into, one
	// can wait in the latest-frame slot and one be processed; a frame's
	// release returns its buffer.
	free chan *image.RGBA
	// showing tells the demo view who is in front of the camera.
	showing func(subject string)
	// shown maps each frame's capture time to the subject it showed ("" for
	// an empty frame), so decisions can be attributed by a track's first frame.
	shown map[time.Time]string
}

func newDemoReplay(subjects []demoSubject, fps, limit int) *demoReplay {
	r := &demoReplay{subjects: subjects, fps: fps, limit: limit, shown: map[time.Time]string{}}
	r.free = make(chan *image.RGBA, 3)
	for range cap(r.free) {
		r.free <- image.NewRGBA(image.Rect(0, 0, demoW, demoH))
	}
	return r
}

// Next renders the next frame once its time has come.
func (r *demoReplay) Next(ctx context.Context) (frame, error) {
	if r.limit > 0 && r.n >= r.limit {
		return frame{}, errEndOfReplay
	}
	if r.fps > 0 {
		now := time.Now()
		if r.next.IsZero() {
			r.next = now
		}
		if wait := r.next.Sub(now); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return frame{}, ctx.Err()
			}
		}
		// A camera does not catch up on frames it missed: pace from now
		// when the consumer was slow, so a gap always lasts its full time.
		if now := time.Now(); r.next.Before(now) {
			r.next = now
		}
		if (r.n % (walkFrames + gapFrames)) >= walkFrames {
			r.next = r.next.Add(gapInterval)
		} else {
			r.next = r.next.Add(time.Second / time.Duration(r.fps))
		}
	}
	var dst *image.RGBA
	select {
	case dst = <-r.free:
	case <-ctx.Done():
		return frame{}, ctx.Err()
	}
	seg := walkFrames + gapFrames
	k := r.n / seg
	i := r.n % seg
	subj := r.subjects[k%len(r.subjects)]
	who := ""
	if i < walkFrames {
		renderWalkUp(dst, subj, i, k)
		who = subj.id
	} else {
		renderBackground(dst)
	}
	if r.showing != nil {
		r.showing(who)
	}
	r.n++
	f := frame{img: dst, at: time.Now(), seq: uint64(r.n), release: func() { r.free <- dst }}
	if r.limit > 0 { // only finite (-check) runs keep the log
		r.shown[f.at] = who
	}
	return f, nil
}

// Close implements frameSource.
func (r *demoReplay) Close() error { return nil }

func renderBackground(dst *image.RGBA) {
	b := dst.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		v := uint8(96 + 40*y/b.Dy())
		row := dst.Pix[y*dst.Stride : y*dst.Stride+b.Dx()*4]
		for x := 0; x < len(row); x += 4 {
			row[x], row[x+1], row[x+2], row[x+3] = v, v, v+8, 255
		}
	}
}

// renderWalkUp draws frame i of a walk-up: the subject's crop grows from
// 55% to 95% of the frame height, drifts a little sideways and up/down,
// and the exposure breathes by ±12%. pass varies the path between loops.
func renderWalkUp(dst *image.RGBA, s demoSubject, i, pass int) {
	renderBackground(dst)
	t := float64(i) / float64(walkFrames-1)
	scale := (0.55 + 0.40*t) * demoH / float64(s.crop.Dy())
	w := int(float64(s.crop.Dx()) * scale)
	h := int(float64(s.crop.Dy()) * scale)
	cx := demoW/2 + int(18*math.Sin(float64(i)*0.45+float64(pass))) + (pass%3-1)*20
	cy := demoH/2 + int(8*math.Cos(float64(i)*0.6))
	r := image.Rect(cx-w/2, cy-h/2, cx-w/2+w, cy-h/2+h)
	xdraw.BiLinear.Scale(dst, r, s.img, s.crop, xdraw.Src, nil)
	gain := 1 + 0.12*math.Sin(float64(i)*0.8+float64(pass)*1.3)
	r = r.Intersect(dst.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := dst.Pix[y*dst.Stride+r.Min.X*4 : y*dst.Stride+r.Max.X*4]
		for x := 0; x < len(row); x += 4 {
			for c := 0; c < 3; c++ {
				row[x+c] = clampByte(float64(row[x+c]) * gain)
			}
		}
	}
}

func clampByte(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}
