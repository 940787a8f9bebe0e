package glide

import (
	"fmt"
	"strconv"
)

// PNGText is the text chunks a PNG made with opts carries: how it was
// made, so that the same settings make the same image again. software
// names the program (Software), weights where the weights came from
// (glide:weights: a folder for the CLI, a URL in the browser). The CLI
// (glide generate, glide inpaint) and the browser worker both write these;
// a member of a batch adds glide:index (1-based), an edit glide:mode.
func PNGText(software string, opts Options, weights string) map[string]string {
	return map[string]string{
		"Title":          opts.Prompt,
		"Software":       software,
		"glide:prompt":   opts.Prompt,
		"glide:seed":     strconv.FormatUint(opts.Seed, 10),
		"glide:guidance": strconv.FormatFloat(opts.GuidanceScale, 'g', -1, 64),
		"glide:steps":    opts.BaseSteps,
		"glide:upsample": fmt.Sprintf("%s temp=%s", opts.UpsampleSteps, strconv.FormatFloat(opts.UpsampleTemp, 'g', -1, 64)),
		"glide:weights":  weights,
		"glide:batch":    strconv.Itoa(opts.BatchSize),
	}
}
