package track

import (
	"testing"
	"time"
)

func box(x, y, s float64) Box { return Box{x, y, x + s, y + s} }

func det(x, y, s float64) Detection {
	return Detection{Box: box(x, y, s), Points: []Point{{x + s*0.3, y + s*0.4}, {x + s*0.7, y + s*0.4}}}
}

func TestIoU(t *testing.T) {
	cases := []struct {
		a, b Box
		want float64
	}{
		{box(0, 0, 10), box(0, 0, 10), 1},
		{box(0, 0, 10), box(20, 20, 10), 0},
		{box(0, 0, 10), box(5, 0, 10), 50.0 / 150.0},
		{Box{}, box(0, 0, 10), 0},
	}
	for _, c := range cases {
		if got := IoU(c.a, c.b); got < c.want-1e-9 || got > c.want+1e-9 {
			t.Errorf("IoU(%v,%v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestStableIDsTwoFaces(t *testing.T) {
	tr, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1000, 0)
	var idA, idB uint64
	for i := 0; i < 20; i++ {
		now := t0.Add(time.Duration(i) * 66 * time.Millisecond)
		// Face A drifts right, face B drifts left; order of detections swaps each frame.
		a := det(100+float64(i)*3, 100, 80)
		b := det(400-float64(i)*3, 120, 70)
		dets := []Detection{a, b}
		if i%2 == 1 {
			dets = []Detection{b, a}
		}
		got, ended := tr.Update(now, dets)
		if len(ended) != 0 {
			t.Fatalf("frame %d: ended %v, want none", i, ended)
		}
		ga, gb := got[0], got[1]
		if i%2 == 1 {
			ga, gb = got[1], got[0]
		}
		if i == 0 {
			idA, idB = ga.ID, gb.ID
			if idA == idB {
				t.Fatalf("two faces got the same ID %d", idA)
			}
		}
		if ga.ID != idA || gb.ID != idB {
			t.Fatalf("frame %d: IDs (%d,%d), want (%d,%d)", i, ga.ID, gb.ID, idA, idB)
		}
		if ga.Hits != i+1 {
			t.Errorf("frame %d: hits %d, want %d", i, ga.Hits, i+1)
		}
	}
}

func TestFastMotionMatchedByLandmarks(t *testing.T) {
	tr, _ := New(Config{})
	t0 := time.Unix(0, 0)
	a, _ := tr.Update(t0, []Detection{det(100, 100, 60)})
	// Moved 45 px (IoU ~0.14), same size: landmarks within one face width.
	b, _ := tr.Update(t0.Add(66*time.Millisecond), []Detection{det(145, 100, 60)})
	if a[0].ID != b[0].ID {
		t.Errorf("fast move: new track %d, want continued %d", b[0].ID, a[0].ID)
	}
	// A jump of two face widths is a different face.
	c, _ := tr.Update(t0.Add(132*time.Millisecond), []Detection{det(300, 100, 60)})
	if c[0].ID == b[0].ID {
		t.Errorf("far jump continued track %d, want a new one", c[0].ID)
	}
}

func TestExpiryAfterGap(t *testing.T) {
	tr, _ := New(Config{MaxGap: 300 * time.Millisecond})
	t0 := time.Unix(0, 0)
	a, _ := tr.Update(t0, []Detection{det(100, 100, 60)})
	// Missed for 200 ms: survives.
	if _, ended := tr.Update(t0.Add(100*time.Millisecond), nil); len(ended) != 0 {
		t.Fatalf("ended %v after 100 ms, want none", ended)
	}
	b, ended := tr.Update(t0.Add(300*time.Millisecond), []Detection{det(102, 100, 60)})
	if len(ended) != 0 || b[0].ID != a[0].ID {
		t.Fatalf("after 300 ms gap: id %d ended %v, want id %d and none ended", b[0].ID, ended, a[0].ID)
	}
	if b[0].Age() != 300*time.Millisecond {
		t.Errorf("age %v, want 300ms", b[0].Age())
	}
	c, ended := tr.Update(t0.Add(700*time.Millisecond), []Detection{det(102, 100, 60)})
	if len(ended) != 1 || ended[0] != a[0].ID {
		t.Fatalf("after 400 ms gap: ended %v, want [%d]", ended, a[0].ID)
	}
	if c[0].ID == a[0].ID {
		t.Errorf("reappearing face kept ID %d, want a new track", c[0].ID)
	}
	if n := len(tr.Active()); n != 1 {
		t.Errorf("active tracks %d, want 1", n)
	}
}

func TestConfigValidate(t *testing.T) {
	if _, err := New(Config{MinIoU: 2}); err == nil {
		t.Error("MinIoU 2 accepted, want error naming min_iou")
	}
	if _, err := New(Config{MaxGap: -time.Second}); err == nil {
		t.Error("negative MaxGap accepted")
	}
}
