package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/liveness"
	"github.com/facegate/facegate/infer/liveness/synthattack"
	"github.com/facegate/facegate/infer/tflite"
	"github.com/facegate/facegate/infer/track"
)

func init() {
	register("eval-liveness", command{
		summary: "measure liveness (BPCER/APCER) on clips DIR/<live|attack>_<name>/frame_*.jpg",
		usage:   "eval-liveness DIR [--json] [--mode passive|blink|strict] [--fps 15] [--models models] [--config liveness.yaml]",
		run:     runEvalLiveness,
	})
	register("synth-attack", command{
		summary: "render a photo as a synthetic print/screen attack clip (frame_*.jpg)",
		usage:   "synth-attack PHOTO -o DIR [--kind print|screen] [--border=true] [--fill] [--frames 40] [--motion 1] [--seed N] [--size 640x480]",
		run:     runSynthAttack,
	})
}

// lvNet adapts a tflite interpreter to infer.Net.
type lvNet struct{ ip *tflite.Interpreter }

func (n lvNet) Input() []float32                 { return n.ip.Input(0).Float32s() }
func (n lvNet) Output(i int) []float32           { return n.ip.Output(i).Float32s() }
func (n lvNet) Invoke(ctx context.Context) error { return n.ip.Invoke(ctx) }

// lvRig is the detector + face mesh used by eval-liveness.
type lvRig struct {
	det  *infer.Detector
	mesh *liveness.FaceMesh
}

func newLvRig(models string) (*lvRig, error) {
	dm, err := tflite.Load(filepath.Join(models, "face_detection_short_range.tflite"))
	if err != nil {
		return nil, fmt.Errorf("detector model: %w (run `make models` or pass --models)", err)
	}
	ip, err := tflite.NewInterpreter(dm, tflite.Options{})
	if err != nil {
		return nil, fmt.Errorf("detector: %w", err)
	}
	det, err := infer.NewDetector(lvNet{ip}, infer.ShortRange, 0)
	if err != nil {
		return nil, err
	}
	mm, err := tflite.Load(filepath.Join(models, "face_landmark.tflite"))
	if err != nil {
		return nil, fmt.Errorf("face mesh model: %w (run `make models` or pass --models)", err)
	}
	mesh, err := liveness.NewFaceMesh(mm, tflite.Options{})
	if err != nil {
		return nil, err
	}
	return &lvRig{det: det, mesh: mesh}, nil
}

// lvClipResult is one clip's outcome.
type lvClipResult struct {
	Clip       string `json:"clip"`
	Label      string `json:"label"` // live or attack
	AttackType string `json:"attack_type,omitempty"`
	Synthetic  bool   `json:"synthetic"`
	Frames     int    `json:"frames"`
	FaceFrames int    `json:"face_frames"`   // frames of the main track
	Usable     int    `json:"usable_frames"` // of those, frames that added evidence (mesh, inside the frame, big enough)
	// Decision is live, attack, undecided (the clip ended first) or
	// no-response (no frame big enough to judge: a non-response in ISO/IEC
	// 30107-3 terms, counted in BPNRR/APNRR and not in BPCER/APCER).
	Decision  string   `json:"decision"`
	Reason    string   `json:"reason,omitempty"`
	DecidedAt int      `json:"decided_at_frame,omitempty"`
	Elapsed   float64  `json:"elapsed_s"`
	Accepted  bool     `json:"accepted"`
	Cues      []lvCue  `json:"cues"`
	MeshMS    *float64 `json:"mesh_cues_ms_p50,omitempty"`
}

type lvCue struct {
	Name    string   `json:"name"`
	Value   *float64 `json:"value"` // null when the cue had no data
	Verdict string   `json:"verdict"`
	Note    string   `json:"note,omitempty"`
}

type lvTypeStat struct {
	Clips      int     `json:"clips"`
	NoResponse int     `json:"no_response"`
	Accepted   int     `json:"accepted"`
	APCER      float64 `json:"apcer"` // over the clips that responded
}

type lvReport struct {
	Mode        string `json:"mode"`
	Clips       int    `json:"clips"`
	LiveClips   int    `json:"live_clips"`
	AttackClips int    `json:"attack_clips"`
	Synthetic   int    `json:"synthetic_attack_clips"`
	// BPCER is the share of live clips that responded (had a face big
	// enough to judge) and were refused or left undecided; APCER the share
	// of responding attack clips accepted. BPNRR and APNRR are the shares
	// of live and attack clips that did not respond.
	BPCER      float64                `json:"bpcer"`
	APCER      float64                `json:"apcer"`
	BPNRR      float64                `json:"bpnrr"`
	APNRR      float64                `json:"apnrr"`
	NoResponse int                    `json:"no_response_clips"`
	PerType    map[string]*lvTypeStat `json:"per_attack_type"`
	PerClip    []lvClipResult         `json:"per_clip"`
}

func runEvalLiveness(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval-liveness", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	jsonOut := fs.String("json-out", "", "also write the JSON report to this file")
	mode := fs.String("mode", "passive", "liveness mode: passive, blink or strict")
	fps := fs.Float64("fps", 0, "frame rate of the clips (default: manifest.csv, else 15)")
	models := fs.String("models", "models", "directory holding the .tflite models")
	cfgPath := fs.String("config", "", "YAML file with a liveness section body (thresholds); --mode overrides its mode")
	trace := fs.Bool("trace", false, "print every frame's cue values to stderr (for tuning)")
	dump := fs.String("dump-meshes", "", "write every frame's mesh to DIR/<clip>.json and run clips to the end (for tuning)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("eval-liveness takes one clip directory")
	}
	var cfg liveness.Config
	if *cfgPath != "" {
		b, err := os.ReadFile(*cfgPath)
		if err != nil {
			return fmt.Errorf("read liveness config: %w", err)
		}
		if cfg, err = liveness.DecodeConfig(b); err != nil {
			return fmt.Errorf("%s: %w", *cfgPath, err)
		}
	}
	cfg.Mode = liveness.Mode(*mode)
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return usageError("%v", err)
	}
	dir := pos[0]
	clips, err := lvListClips(dir)
	if err != nil {
		return err
	}
	manifest := lvReadManifest(filepath.Join(dir, "manifest.csv"))
	rig, err := newLvRig(*models)
	if err != nil {
		return err
	}
	rep := lvReport{Mode: string(cfg.Mode), PerType: map[string]*lvTypeStat{}}
	var refused, accepted, liveNR, attackNR int
	for _, c := range clips {
		if err := ctx.Err(); err != nil {
			return err
		}
		rate := *fps
		if rate == 0 {
			rate = 15
			if m, ok := manifest[c]; ok && m.fps > 0 {
				rate = m.fps
			}
		}
		var tw io.Writer
		if *trace {
			tw = stderr
		}
		var dw io.Writer
		if *dump != "" {
			if err := os.MkdirAll(*dump, 0o755); err != nil {
				return err
			}
			f, err := os.Create(filepath.Join(*dump, c+".json"))
			if err != nil {
				return err
			}
			defer f.Close()
			dw = f
		}
		res, err := lvEvalClip(ctx, rig, filepath.Join(dir, c), cfg, rate, tw, dw)
		if err != nil {
			return fmt.Errorf("clip %s: %w", c, err)
		}
		res.Clip = c
		res.Label, res.AttackType, res.Synthetic = lvLabel(c, manifest[c].attackType)
		rep.Clips++
		noResp := res.Decision == lvNoResponse
		if noResp {
			rep.NoResponse++
		}
		if res.Label == "live" {
			rep.LiveClips++
			if noResp {
				liveNR++
			} else if !res.Accepted {
				refused++
			}
		} else {
			rep.AttackClips++
			if res.Synthetic {
				rep.Synthetic++
			}
			st := rep.PerType[res.AttackType]
			if st == nil {
				st = &lvTypeStat{}
				rep.PerType[res.AttackType] = st
			}
			st.Clips++
			if noResp {
				st.NoResponse++
				attackNR++
			}
			if res.Accepted {
				st.Accepted++
				accepted++
			}
		}
		rep.PerClip = append(rep.PerClip, res)
		if !*asJSON {
			fmt.Fprintf(stderr, "%-48s %-6s %-9s %s\n", c, res.Label, res.Decision, res.Reason)
		}
	}
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	rep.BPCER = ratio(refused, rep.LiveClips-liveNR)
	rep.APCER = ratio(accepted, rep.AttackClips-attackNR)
	rep.BPNRR = ratio(liveNR, rep.LiveClips)
	rep.APNRR = ratio(attackNR, rep.AttackClips)
	for _, st := range rep.PerType {
		st.APCER = ratio(st.Accepted, st.Clips-st.NoResponse)
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("write JSON report: %w", err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	lvPrintReport(stdout, rep)
	return nil
}

// lvEvalClip runs detector → tracker → mesh → liveness evaluator over one
// clip. A clip is accepted when any track is decided live.
func lvEvalClip(ctx context.Context, rig *lvRig, dir string, cfg liveness.Config, fps float64, trace, dump io.Writer) (lvClipResult, error) {
	frames, err := filepath.Glob(filepath.Join(dir, "frame_*.jpg"))
	if err != nil {
		return lvClipResult{}, err
	}
	sort.Strings(frames)
	if len(frames) == 0 {
		return lvClipResult{}, fmt.Errorf("no frame_*.jpg in %s", dir)
	}
	tr, err := track.New(track.Config{})
	if err != nil {
		return lvClipResult{}, err
	}
	type trackState struct {
		ev       *liveness.Evaluator
		lastMesh *liveness.Mesh
		last     liveness.Decision
		faces    int
		decided  int
	}
	states := map[uint64]*trackState{}
	var all []*trackState
	t0 := time.Unix(0, 0)
	var meshMS []float64
	res := lvClipResult{Frames: len(frames)}
	for k, path := range frames {
		img, err := infer.DecodeFile(path)
		if err != nil {
			return res, err
		}
		now := t0.Add(time.Duration(float64(k) / fps * float64(time.Second)))
		// Like MediaPipe, follow faces with the mesh and run the detector
		// only when no face is followed, or every 10th frame for newcomers.
		var tds []track.Detection
		var dets []infer.Detection
		var seeds []*liveness.Mesh // the mesh a detection was derived from, if any
		tracked := 0
		for _, st := range states {
			if st.lastMesh != nil {
				tracked++
			}
		}
		if tracked == 0 || k%10 == 0 {
			if dets, err = rig.det.Detect(ctx, img); err != nil {
				return res, err
			}
			for _, d := range dets {
				td := track.Detection{
					Box:   track.Box{MinX: float64(d.Box.X0), MinY: float64(d.Box.Y0), MaxX: float64(d.Box.X1), MaxY: float64(d.Box.Y1)},
					Score: float64(d.Score),
				}
				for _, p := range d.Keypoints {
					td.Points = append(td.Points, track.Point{X: float64(p.X), Y: float64(p.Y)})
				}
				tds = append(tds, td)
				seeds = append(seeds, nil)
			}
		} else {
			for _, st := range states {
				if st.lastMesh != nil {
					tds = append(tds, lvMeshDetection(st.lastMesh))
					dets = append(dets, infer.Detection{}) // ROI comes from the mesh
					seeds = append(seeds, st.lastMesh)
				}
			}
		}
		tracks, ended := tr.Update(now, tds)
		for _, id := range ended {
			delete(states, id)
		}
		for i, t := range tracks {
			st := states[t.ID]
			if st == nil {
				ev, err := liveness.NewEvaluator(cfg, liveness.Visible)
				if err != nil {
					return res, err
				}
				st = &trackState{ev: ev}
				states[t.ID] = st
				all = append(all, st)
			}
			if st.last.State != liveness.Pending && dump == nil {
				continue // decided; the daemon would stop checking this face
			}
			start := time.Now()
			var roi liveness.ROI
			switch {
			case st.lastMesh != nil:
				roi = liveness.ROIFromMesh(st.lastMesh)
			case seeds[i] != nil: // the tracker started a new track from a followed mesh
				roi = liveness.ROIFromMesh(seeds[i])
			default:
				d := dets[i]
				roi = liveness.ROIFromEyes(float64(d.Box.X0), float64(d.Box.Y0), float64(d.Box.X1), float64(d.Box.Y1),
					liveness.Point{X: float64(d.Keypoints[infer.RightEye].X), Y: float64(d.Keypoints[infer.RightEye].Y)},
					liveness.Point{X: float64(d.Keypoints[infer.LeftEye].X), Y: float64(d.Keypoints[infer.LeftEye].Y)})
			}
			var m *liveness.Mesh
			if st.lastMesh != nil {
				m, err = rig.mesh.Run(ctx, img, roi)
			} else {
				m, err = rig.mesh.Refine(ctx, img, roi, 3)
			}
			if err != nil {
				return res, err
			}
			if m.Presence >= 0.5 {
				st.lastMesh = m
				st.faces++
			} else {
				st.lastMesh = nil
			}
			if dump != nil {
				pts := make([][2]float32, len(m.Points))
				for i, p := range m.Points {
					pts[i] = [2]float32{float32(p.X), float32(p.Y)}
				}
				b, _ := json.Marshal(map[string]any{"frame": k + 1, "track": t.ID, "presence": m.Presence, "points": pts})
				fmt.Fprintf(dump, "%s\n", b)
			}
			if st.last.State != liveness.Pending {
				continue
			}
			st.last = st.ev.Add(liveness.Observation{Time: now, Frame: img, Mesh: m})
			meshMS = append(meshMS, float64(time.Since(start).Microseconds())/1000)
			if trace != nil {
				fmt.Fprintf(trace, "%s f%03d track %d presence %.2f iod %.1f open %.3f %v %s %v\n", filepath.Base(dir), k+1, t.ID,
					m.Presence, m.InterOcular(), m.EyeOpenness(), st.last.State, st.last.Reason, st.last.Cues)
			}
			if st.last.State != liveness.Pending {
				st.decided = k + 1
			}
		}
		// Stop once every followed face is decided: the decision is final.
		if len(tracks) > 0 && dump == nil {
			done := true
			for _, t := range tracks {
				if states[t.ID].last.State == liveness.Pending {
					done = false
				}
			}
			if done {
				break
			}
		}
	}
	// The clip's main track: a live one if any, else the one with most faces.
	var best *trackState
	for _, st := range all {
		switch {
		case best == nil,
			st.last.State == liveness.Live && best.last.State != liveness.Live,
			(st.last.State == liveness.Live) == (best.last.State == liveness.Live) && st.faces > best.faces:
			best = st
		}
	}
	res.Decision = "undecided"
	if best != nil {
		res.FaceFrames = best.faces
		res.Usable = best.last.Usable
		res.Elapsed = best.last.Elapsed.Seconds()
		switch best.last.State {
		case liveness.Live:
			res.Decision, res.Accepted = "live", true
		case liveness.Attack:
			res.Decision = "attack"
		}
		res.Reason = best.last.Reason
		res.DecidedAt = best.decided
		for _, c := range best.last.Cues {
			lc := lvCue{Name: c.Name, Verdict: c.Verdict.String(), Note: c.Note}
			if !math.IsNaN(c.Value) && !math.IsInf(c.Value, 0) {
				v := c.Value
				lc.Value = &v
			}
			res.Cues = append(res.Cues, lc)
		}
	} else {
		res.Reason = "no face detected"
	}
	if res.Usable == 0 && !res.Accepted && res.Decision != "attack" {
		res.Decision = lvNoResponse
		if best != nil {
			res.Reason = fmt.Sprintf("no frame to judge (eyes < %.0f px apart, face cut by the edge, or no mesh)", cfg.MinEyeDistance)
		}
	}
	if len(meshMS) > 0 {
		sort.Float64s(meshMS)
		p := meshMS[len(meshMS)/2]
		res.MeshMS = &p
	}
	return res, nil
}

// lvNoResponse is the decision of a clip without a single frame the
// evaluator could judge.
const lvNoResponse = "no-response"

func lvListClips(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("clip directory: %w", err)
	}
	var out []string
	for _, e := range ents {
		if fi, err := os.Stat(filepath.Join(dir, e.Name())); err != nil || !fi.IsDir() {
			continue // follows symlinks, so a folder of links to clips works
		}
		if strings.HasPrefix(e.Name(), "live_") || strings.HasPrefix(e.Name(), "attack_") {
			out = append(out, e.Name())
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("clip directory %s: no live_* or attack_* folders", dir)
	}
	sort.Strings(out)
	return out, nil
}

type lvManifestRow struct {
	fps        float64
	attackType string
}

// lvReadManifest reads the optional manifest.csv (clip, …, attack_type, …,
// fps columns); a missing or unreadable manifest gives an empty map.
func lvReadManifest(path string) map[string]lvManifestRow {
	f, err := os.Open(path)
	if err != nil {
		return map[string]lvManifestRow{}
	}
	defer f.Close()
	return lvParseManifest(f)
}

// lvParseManifest parses manifest CSV; malformed input gives what could be read.
func lvParseManifest(r io.Reader) map[string]lvManifestRow {
	out := map[string]lvManifestRow{}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil || len(rows) < 2 {
		return out
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	ci, ok := col["clip"]
	if !ok {
		return out
	}
	for _, r := range rows[1:] {
		if ci >= len(r) {
			continue
		}
		var m lvManifestRow
		if i, ok := col["fps"]; ok && i < len(r) {
			if v, err := strconv.ParseFloat(r[i], 64); err == nil && v > 0 && v <= 1000 {
				m.fps = v // NaN, Inf and silly rates are ignored (default 15)
			}
		}
		if i, ok := col["attack_type"]; ok && i < len(r) {
			m.attackType = r[i]
		}
		out[r[ci]] = m
	}
	return out
}

// lvLabel derives label, attack type and the synthetic flag from a clip
// name: attack_synth_<kind>-<border>_… clips are synthetic.
func lvLabel(clip, manifestType string) (label, attackType string, synthetic bool) {
	if strings.HasPrefix(clip, "live_") {
		return "live", "", false
	}
	rest := strings.TrimPrefix(clip, "attack_")
	if strings.HasPrefix(rest, "synth_") {
		parts := strings.SplitN(strings.TrimPrefix(rest, "synth_"), "_", 2)
		return "attack", "synthetic " + parts[0], true
	}
	if manifestType != "" {
		return "attack", manifestType, false
	}
	return "attack", strings.SplitN(rest, "_", 2)[0], false
}

func lvPrintReport(w io.Writer, rep lvReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "clip\tlabel\tframes\tdecision\treason\tat\tplanarity\tblink\tstillness\tborder\tmesh+cues ms p50")
	cell := func(r lvClipResult, name string) string {
		for _, c := range r.Cues {
			if c.Name == name {
				if c.Value == nil {
					return "-/" + c.Verdict
				}
				return fmt.Sprintf("%.4f/%s", *c.Value, c.Verdict)
			}
		}
		return "-"
	}
	for _, r := range rep.PerClip {
		at := ""
		if r.DecidedAt > 0 {
			at = strconv.Itoa(r.DecidedAt)
		}
		ms := "-"
		if r.MeshMS != nil {
			ms = fmt.Sprintf("%.1f", *r.MeshMS)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Clip, r.Label, r.Frames, r.Decision, r.Reason, at,
			cell(r, liveness.CuePlanarity), cell(r, liveness.CueBlink), cell(r, liveness.CueStillness), cell(r, liveness.CueBorder), ms)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nmode %s: %d clips (%d live, %d attack of which %d synthetic)\n", rep.Mode, rep.Clips, rep.LiveClips, rep.AttackClips, rep.Synthetic)
	fmt.Fprintf(w, "BPCER %.2f%% (live clips refused or undecided, of those with a face big enough to judge)\nAPCER %.2f%% (attack clips accepted, of those with a face big enough to judge)\n", 100*rep.BPCER, 100*rep.APCER)
	fmt.Fprintf(w, "no response (no frame big enough to judge, refused at the door by the quality gate): BPNRR %.2f%%, APNRR %.2f%%, %d clips\n", 100*rep.BPNRR, 100*rep.APNRR, rep.NoResponse)
	types := make([]string, 0, len(rep.PerType))
	for t := range rep.PerType {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		st := rep.PerType[t]
		fmt.Fprintf(w, "  APCER %-28s %d/%d = %.2f%% (%d more without a response)\n", t, st.Accepted, st.Clips-st.NoResponse, 100*st.APCER, st.NoResponse)
	}
	// Per-cue verdict counts at decision time.
	fmt.Fprintln(w, "\nper-cue verdicts at decision (live/attack/abstain):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "cue\ton live clips\ton attack clips")
	for _, name := range []string{liveness.CuePlanarity, liveness.CueBlink, liveness.CueStillness, liveness.CueBorder} {
		var cnt [2][3]int
		for _, r := range rep.PerClip {
			li := 0
			if r.Label != "live" {
				li = 1
			}
			for _, c := range r.Cues {
				if c.Name != name {
					continue
				}
				switch c.Verdict {
				case "live":
					cnt[li][0]++
				case "attack":
					cnt[li][1]++
				default:
					cnt[li][2]++
				}
			}
		}
		fmt.Fprintf(tw, "%s\t%d/%d/%d\t%d/%d/%d\n", name, cnt[0][0], cnt[0][1], cnt[0][2], cnt[1][0], cnt[1][1], cnt[1][2])
	}
	tw.Flush()
}

func runSynthAttack(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("synth-attack", stderr)
	out := fs.String("o", "", "output clip directory (created; frame_0001.jpg …)")
	kind := fs.String("kind", "print", "medium: print or screen")
	borderF := fs.Bool("border", true, "show the medium's edge and the room around it (false: the photo is extended by mirroring)")
	fill := fs.Bool("fill", false, "with --border=false: enlarge the photo to cover the whole view (held close to the camera)")
	frames := fs.Int("frames", 40, "number of frames")
	fps := fs.Float64("fps", 15, "frame rate the motion is timed for")
	motion := fs.Float64("motion", 1, "motion amplitude (1 typical hand-held tilting, 0.1 nearly still)")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same clip)")
	size := fs.String("size", "640x480", "frame size WxH")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("synth-attack takes one photo")
	}
	if *out == "" {
		return usageError("-o DIR is required")
	}
	var w, h int
	if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil {
		return usageError("--size %q: want WxH like 640x480", *size)
	}
	photo, err := infer.DecodeFile(pos[0])
	if err != nil {
		return fmt.Errorf("photo: %w", err)
	}
	clip, err := synthattack.Render(photo, synthattack.Options{
		Kind: synthattack.Kind(*kind), Border: *borderF, Fill: *fill, Frames: *frames, FPS: *fps,
		Width: w, Height: h, Motion: *motion, Seed: *seed,
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	for i, img := range clip {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := lvWriteJPEG(filepath.Join(*out, fmt.Sprintf("frame_%04d.jpg", i+1)), img); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %d synthetic %s frames (border %v, seed %d) to %s\n", len(clip), *kind, *borderF, *seed, *out)
	return nil
}

func lvWriteJPEG(path string, img image.Image) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 85}); err != nil {
		return fmt.Errorf("write %s: %w", path, errors.Join(err))
	}
	return nil
}

// lvMeshDetection turns a followed mesh into a tracker detection: its
// landmark bounds and BlazeFace-ordered keypoints (eyes, nose tip, mouth,
// ear-side contour points) so the tracker matches it like a detection.
func lvMeshDetection(m *liveness.Mesh) track.Detection {
	lo, hi := m.Bounds()
	r, l := m.EyeCentres()
	mc := m.MouthCentre()
	tp := func(p liveness.Point) track.Point { return track.Point{X: p.X, Y: p.Y} }
	return track.Detection{
		Box:    track.Box{MinX: lo.X, MinY: lo.Y, MaxX: hi.X, MaxY: hi.Y},
		Points: []track.Point{tp(r), tp(l), tp(m.Points[1]), tp(mc), tp(m.Points[234]), tp(m.Points[454])},
		Score:  m.Presence,
	}
}
