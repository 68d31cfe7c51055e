package tflite

import "testing"

func TestFairRows(t *testing.T) {
	blocks := func(rows int) int { return (rows + gemmMaxRows - 1) / gemmMaxRows }
	cases := []struct {
		rows, threads int
		want          bool
	}{
		{49, 2, true},   // 7×7: split by pixels, not channels
		{196, 2, true},  // 14×14
		{3136, 4, true}, // 56×56
		{1, 2, false},   // 1×1: only channels can be split
		{gemmMaxRows, 2, false},
	}
	for _, c := range cases {
		if got := fairRows(c.rows, blocks(c.rows), c.threads); got != c.want {
			t.Errorf("fairRows(%d rows, %d threads) = %v, want %v", c.rows, c.threads, got, c.want)
		}
	}
}
