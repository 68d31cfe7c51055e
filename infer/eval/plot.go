package eval

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Curve is one labelled ROC curve.
type Curve struct {
	Label  string
	Points []ROCPoint
}

var curveColors = []color.RGBA{{31, 119, 180, 255}, {214, 39, 40, 255}, {44, 160, 44, 255}, {148, 103, 189, 255}}

// PlotROC draws ROC curves as a PNG: TAR against FAR on a log axis from
// minFAR (rounded down to a power of ten) to 1.
func PlotROC(w io.Writer, title string, curves []Curve, minFAR float64) error {
	const W, H = 720, 520
	const left, right, top, bottom = 70, 20, 56, 60
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
	if !(minFAR > 0) {
		minFAR = 1e-4
	}
	lo := math.Floor(math.Log10(minFAR))
	// TAR axis: from the lowest TAR shown, rounded down to 0.1.
	tarMin := 1.0
	for _, c := range curves {
		for _, p := range c.Points {
			if p.FAR >= math.Pow(10, lo) {
				tarMin = math.Min(tarMin, p.TAR)
			}
		}
	}
	tarMin = math.Max(0, math.Floor(tarMin*10-1e-9)/10)
	if tarMin > 0.9 {
		tarMin = 0.9
	}
	pw, ph := float64(W-left-right), float64(H-top-bottom)
	px := func(far float64) int {
		l := math.Log10(math.Max(far, math.Pow(10, lo)))
		return left + int(math.Round((l-lo)/(0-lo)*pw))
	}
	py := func(tar float64) int {
		return top + int(math.Round((1-(tar-tarMin)/(1-tarMin))*ph))
	}
	grid := color.RGBA{225, 225, 225, 255}
	black := color.RGBA{0, 0, 0, 255}
	for e := lo; e <= 0; e++ {
		x := px(math.Pow(10, e))
		vline(img, x, top, H-bottom, grid)
		txt := fmt.Sprintf("1e%d", int(e))
		if e == 0 {
			txt = "1"
		}
		label(img, x-14, H-bottom+18, txt, black)
	}
	step := 0.1
	if 1-tarMin <= 0.1 {
		step = 0.01
	} else if 1-tarMin <= 0.3 {
		step = 0.05
	}
	for i := 0; ; i++ {
		t := tarMin + float64(i)*step
		if t > 1.0001 {
			break
		}
		y := py(t)
		hline(img, left, W-right, y, grid)
		label(img, left-44, y+4, fmt.Sprintf("%.2f", t), black)
	}
	hline(img, left, W-right, H-bottom, black)
	vline(img, left, top, H-bottom, black)
	label(img, left+int(pw)/2-80, H-18, "false accept rate (log)", black)
	label(img, 8, top-12, "true accept rate", black)
	label(img, 8, 20, title, black)
	for i, c := range curves {
		col := curveColors[i%len(curveColors)]
		// Staircase through the points, from high FAR to low.
		var lx, ly int
		first := true
		for _, p := range c.Points {
			if p.FAR < math.Pow(10, lo) && !first {
				break
			}
			x, y := px(p.FAR), py(p.TAR)
			if !first {
				line(img, lx, ly, x, ly, col)
				line(img, x, ly, x, y, col)
			}
			lx, ly, first = x, y, false
		}
		ly0 := top + 20 + 16*i
		hline(img, W-right-220, W-right-200, ly0, col)
		hline(img, W-right-220, W-right-200, ly0+1, col)
		label(img, W-right-194, ly0+4, c.Label, black)
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("encode ROC plot: %w", err)
	}
	return nil
}

func label(img *image.RGBA, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func hline(img *image.RGBA, x0, x1, y int, c color.RGBA) {
	for x := x0; x <= x1; x++ {
		img.SetRGBA(x, y, c)
	}
}

func vline(img *image.RGBA, x, y0, y1 int, c color.RGBA) {
	for y := y0; y <= y1; y++ {
		img.SetRGBA(x, y, c)
	}
}

// line draws a 2-px wide axis-parallel or diagonal segment (Bresenham).
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for {
		img.SetRGBA(x0, y0, c)
		img.SetRGBA(x0+1, y0, c)
		img.SetRGBA(x0, y0+1, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
