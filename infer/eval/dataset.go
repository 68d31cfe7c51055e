// Package eval measures face verification accuracy on a folder of labelled
// images: it embeds every image with the infer pipeline, scores pairs and
// reports EER, TAR at fixed FAR, LFW fold accuracy, a ROC plot and a
// similarity→false-match-rate calibration table (`facegate eval`).
package eval

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Image is one labelled image of the evaluation set.
type Image struct {
	// Identity is the folder name.
	Identity string
	// Path is the file path.
	Path string
}

// Subset is the identity's prefix before the first "_" (the whole name
// when it has none): df, bbt, lfw on the dev set.
func (im Image) Subset() string {
	if i := strings.IndexByte(im.Identity, '_'); i > 0 {
		return im.Identity[:i]
	}
	return im.Identity
}

// Central reports whether the labelled person is the central face of the
// image rather than the largest (LFW's convention).
func (im Image) Central() bool { return strings.HasPrefix(im.Identity, "lfw_") }

func isImage(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg", ".png":
		return true
	}
	return false
}

// LoadDir lists DIR/<identity>/<image> (JPEG and PNG), sorted by identity
// and file name. Other files are ignored.
func LoadDir(dir string) ([]Image, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("eval set: %w", err)
	}
	var out []Image
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("eval set: %w", err)
		}
		var names []string
		for _, f := range files {
			if !f.IsDir() && isImage(f.Name()) {
				names = append(names, f.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, Image{Identity: e.Name(), Path: filepath.Join(dir, e.Name(), n)})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("eval set %s: no images in DIR/<identity>/ folders", dir)
	}
	return out, nil
}

// Pair is two images (indexes into the image list) to compare.
type Pair struct {
	A, B    int
	Genuine bool
	// Fold is the LFW fold (0 without a pairs file).
	Fold int
}

// AllPairs returns every unordered pair of images; same identity is genuine.
func AllPairs(imgs []Image) []Pair {
	var out []Pair
	for i := range imgs {
		for j := i + 1; j < len(imgs); j++ {
			out = append(out, Pair{A: i, B: j, Genuine: imgs[i].Identity == imgs[j].Identity})
		}
	}
	return out
}

// LFWPairs is a parsed LFW pairs.txt.
type LFWPairs struct {
	// Folds is the number of folds (10 for LFW View 2).
	Folds int
	// Images are the distinct images the pairs use.
	Images []Image
	// Pairs index Images.
	Pairs []Pair
}

// ParseLFWPairs reads the LFW pairs.txt format: a header "folds n" (or
// just "n" for a single fold), then per fold n lines "name i j" (same
// person) and n lines "name1 i name2 j" (different people). Images are
// DIR/<name>/<name>_<iiii>.jpg; every one must exist.
func ParseLFWPairs(r io.Reader, dir string) (*LFWPairs, error) {
	sc := bufio.NewScanner(r)
	line := 0
	next := func() ([]string, bool) {
		for sc.Scan() {
			line++
			if f := strings.Fields(sc.Text()); len(f) > 0 {
				return f, true
			}
		}
		return nil, false
	}
	hdr, ok := next()
	if !ok {
		return nil, fmt.Errorf("pairs: empty file")
	}
	folds, per := 1, 0
	var err error
	switch len(hdr) {
	case 1:
		per, err = strconv.Atoi(hdr[0])
	case 2:
		folds, err = strconv.Atoi(hdr[0])
		if err == nil {
			per, err = strconv.Atoi(hdr[1])
		}
	default:
		err = fmt.Errorf("want \"folds pairs_per_fold\"")
	}
	if err != nil || folds < 1 || per < 1 || folds > 1000 || per > 1_000_000 {
		return nil, fmt.Errorf("pairs: line 1 %q: bad header (want \"folds pairs_per_fold\", e.g. \"10 300\")", strings.Join(hdr, " "))
	}
	out := &LFWPairs{Folds: folds}
	index := map[string]int{}
	img := func(name, num string) (int, error) {
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 || n > 99999 {
			return 0, fmt.Errorf("image number %q is not a number", num)
		}
		p := filepath.Join(dir, name, fmt.Sprintf("%s_%04d.jpg", name, n))
		if i, ok := index[p]; ok {
			return i, nil
		}
		if _, err := os.Stat(p); err != nil {
			return 0, fmt.Errorf("image %s: %w", p, err)
		}
		index[p] = len(out.Images)
		out.Images = append(out.Images, Image{Identity: name, Path: p})
		return index[p], nil
	}
	for f := 0; f < folds; f++ {
		for k := 0; k < 2*per; k++ {
			fs, ok := next()
			if !ok {
				return nil, fmt.Errorf("pairs: ended at line %d, header promises %d folds of %d same + %d different pairs", line, folds, per, per)
			}
			genuine := k < per
			var a, b int
			var err error
			switch {
			case genuine && len(fs) == 3:
				if a, err = img(fs[0], fs[1]); err == nil {
					b, err = img(fs[0], fs[2])
				}
			case !genuine && len(fs) == 4:
				if a, err = img(fs[0], fs[1]); err == nil {
					b, err = img(fs[2], fs[3])
				}
			default:
				want := "\"name n1 n2\" (same person)"
				if !genuine {
					want = "\"name1 n1 name2 n2\" (different people)"
				}
				err = fmt.Errorf("want %s", want)
			}
			if err != nil {
				return nil, fmt.Errorf("pairs: line %d %q: %w", line, strings.Join(fs, " "), err)
			}
			out.Pairs = append(out.Pairs, Pair{A: a, B: b, Genuine: genuine, Fold: f})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("pairs: %w", err)
	}
	return out, nil
}
