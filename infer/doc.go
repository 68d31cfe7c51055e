// Package infer turns camera frames into face embeddings: it finds faces
// with BlazeFace (detect.go), checks they are usable (quality.go), aligns
// them onto the ArcFace 112×112 template (align.go) and embeds them with
// MobileFaceNet (embed.go). Pipeline (pipeline.go) chains the steps with
// reusable buffers for the daemon and for enrollment.
//
// Coordinates: boxes and keypoints are in "continuous" image coordinates,
// where pixel (i, j) covers [i, i+1)×[j, j+1) and its centre is at
// (i+0.5, j+0.5). Resampling code converts them to the pixel-index
// convention (subtract 0.5) that cv2.warpAffine uses. Positions are
// relative to the image's Rect.Min.
package infer
