package gallery_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/facegate/facegate/gallery"
)

func unit(dim, hot int) []float32 {
	v := make([]float32, dim)
	v[hot] = 1
	return v
}

func Example() {
	dir, err := os.MkdirTemp("", "gallery-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg := gallery.Config{Path: filepath.Join(dir, "gallery.db"), KeyFile: filepath.Join(dir, "gallery.key")}
	// At provisioning:
	if err := gallery.CreateKey(cfg.KeyFile); err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	st, err := gallery.Open(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if q := st.Quarantined(); q != nil {
		fmt.Println("report event:", q) // and request a resync
	}

	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	_ = st.Enroll(ctx, gallery.Person{ID: "p-17", Name: "Ada"}, [][]float32{unit(192, 0), unit(192, 1)})
	_ = st.Enroll(ctx, gallery.Person{ID: "p-42", Name: "Bob", ValidUntil: now.Add(-time.Hour)}, [][]float32{unit(192, 2)})

	q := unit(192, 1)
	q[2] = 0.5
	res, err := st.Index().Search(q, now)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("best %s %.2f, second %q, excluded %s (%v), degraded %v\n",
		res.Best.PersonID, res.Best.Score, res.Second.PersonID, res.Excluded.PersonID, res.Why, res.Degraded)

	cal, _ := gallery.NewCalibration([]gallery.CalPoint{{Similarity: 0.3, FMR: 1e-2}, {Similarity: 0.6, FMR: 1e-6}})
	fmt.Println(cal.Estimate(0.55))
	// Output:
	// best p-17 0.89, second "", excluded p-42 (expired), degraded false
	// est. 1 in 220,000
}
