// Command goldeninputs writes the golden input tensors of every case in
// golden.Specs as raw little-endian float32 files plus a manifest.json into a
// folder, for bench/litert/golden.mjs to run through LiteRT.js.
//
// The folder holds face tensors: write it to a temporary directory, never
// into the repository (scripts/golden.sh does this).
//
// Usage:
//
//	goldeninputs -out DIR [-faces FACES/dev]
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/facegate/facegate/infer/tflite/internal/golden"
	"github.com/facegate/facegate/internal/testfaces"
)

func main() {
	out := flag.String("out", "", "folder to write the inputs and manifest.json into (must exist and be empty)")
	faces := flag.String("faces", filepath.Join(testfaces.Root(), "dev"), "the faces/dev folder")
	flag.Parse()
	if *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: goldeninputs -out DIR [-faces FACES/dev]")
		os.Exit(2)
	}
	if err := run(*out, *faces); err != nil {
		fmt.Fprintln(os.Stderr, "goldeninputs:", err)
		os.Exit(1)
	}
}

func run(out, faces string) error {
	entries, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	if len(entries) != 0 {
		return fmt.Errorf("output folder %s is not empty", out)
	}
	if st, err := os.Stat(faces); err != nil || !st.IsDir() {
		return errors.Join(fmt.Errorf("faces folder %s is needed for the face cases (set -faces or FACEGATE_FACES)", faces), err)
	}
	m := &golden.Manifest{Format: golden.FileFormat}
	for _, s := range golden.Specs() {
		c, err := s.Build(faces)
		if err != nil {
			return err
		}
		mc := golden.ManifestCase{Model: s.Model, Case: s.Case, Faces: s.NeedsFaces()}
		for i, in := range c.Inputs {
			name := fmt.Sprintf("%s.%s.in%d.f32", strings.TrimSuffix(s.Model, ".tflite"), s.Case, i)
			if err := os.WriteFile(filepath.Join(out, name), golden.Encode(in.Data), 0o600); err != nil {
				return fmt.Errorf("write input: %w", err)
			}
			mc.Inputs = append(mc.Inputs, golden.ManifestTensor{
				Index: i, Shape: in.Shape, File: name, SHA256: golden.Hash(in.Data),
			})
		}
		m.Cases = append(m.Cases, mc)
	}
	return golden.WriteManifest(filepath.Join(out, "manifest.json"), m)
}
