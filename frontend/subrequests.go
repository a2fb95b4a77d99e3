package frontend

import (
	"context"
	"errors"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/plan"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/pb"
)

// subrequests answers buildx's --call/--check requests, so that buildx never
// falls back to reading the Distrofile as a Dockerfile.
func subrequests(src *dockerui.Source, bc *dockerui.Client, c client.Client) dockerui.RequestHandler {
	return dockerui.RequestHandler{
		Outline: func(ctx context.Context) (*outline.Outline, error) {
			df, err := distrofile.Parse(src.Data, bc.BuildArgs)
			if err != nil {
				return nil, withSource(err, src.SourceMap)
			}
			target, err := distrofile.TargetStage(df, bc.Target)
			if err != nil {
				return nil, err
			}
			o := &outline.Outline{Name: target.Name, Sources: [][]byte{src.Data}}
			for _, a := range df.Args {
				o.Args = append(o.Args, outline.Arg{Name: a.Name, Value: a.Value, Location: location(a.Ranges)})
			}
			return o, nil
		},
		ListTargets: func(ctx context.Context) (*targets.List, error) {
			df, err := distrofile.Parse(src.Data, bc.BuildArgs)
			if err != nil {
				return nil, withSource(err, src.SourceMap)
			}
			l := &targets.List{Sources: [][]byte{src.Data}}
			for i, s := range df.Stages {
				if s.Name == "" {
					continue
				}
				base := s.From.Distro + ":" + s.From.Suite
				if s.From.Stage != nil {
					base = s.From.Stage.Ref()
				}
				l.Targets = append(l.Targets, targets.Target{Name: s.Name, Default: i == len(df.Stages)-1, Base: base, Location: location(s.From.Ranges)})
			}
			return l, nil
		},
		Lint: func(ctx context.Context) (*lint.LintResults, error) {
			// Distrofile.lock's dependency edges let the rules see INSTALL
			// roots that another root already pulls in.
			var lock *debresolve.Lock
			b := &builder{c: c, bc: bc, src: src}
			if data, ok, err := b.readDockerfileDirFile(ctx, debresolve.LockFileName); err == nil && ok {
				lock, _ = debresolve.ParseLock(data) // a broken lock is the build's error to report, not check's
			}
			res := lintResults(src.Data, src.SourceMap, bc.BuildArgs, lock, bc.LinterConfig)
			if res.Error == nil {
				b.src = src
				checkEffects(ctx, b, res, 0)
			}
			return res, nil
		},
	}
}

// lintResults answers --call=check for the Distrofile data (sm is its
// source map): the parser's warnings, then the lint rules' (see LintRules)
// that the check directive or lc (BUILDKIT_DOCKERFILE_CHECK, may be nil)
// let through, or the first error of Parse or the stage evaluation,
// located.
func lintResults(data []byte, sm *llb.SourceMap, buildArgs map[string]string, lock *debresolve.Lock, lc *linter.Config) *lint.LintResults {
	res := &lint.LintResults{}
	idx := res.AddSource(sm)
	df, err := distrofile.Parse(data, buildArgs)
	if err == nil {
		for _, w := range df.Warnings {
			res.AddWarning("DistrofileSyntax", "Distrofile syntax", "", w.Message, idx, w.Ranges)
		}
		var states map[*distrofile.Stage]*distrofile.StageSpec
		var cfg distrofile.LintConfig
		var cw []distrofile.Warning
		cfg, cw, err = distrofile.LintConfigOf(data, lc)
		for _, w := range cw {
			res.AddWarning("DistrofileSyntax", "Distrofile syntax", "", w.Message, idx, w.Ranges)
		}
		if err == nil {
			states, err = distrofile.EvalStages(df)
		}
		if err == nil {
			// check=error=true fails a build, not the check: the findings
			// are what it lists.
			ws, _ := cfg.Apply(append(distrofile.Lint(df, states), plan.LintLocked(df, states, lock)...))
			for _, w := range ws {
				res.AddWarning(w.Rule.Name, w.Rule.Description, w.Rule.URL, w.Message, idx, w.Ranges)
			}
		}
	}
	if err != nil {
		var le *distrofile.LocatedError
		be := &lint.BuildError{Message: err.Error()}
		if errors.As(err, &le) {
			be.Message = le.Err.Error()
			be.Location = pb.Location{SourceIndex: int32(idx), Ranges: pbRanges(le.Ranges)}
		}
		res.Error = be
	}
	return res
}

func location(rs []parser.Range) *pb.Location {
	return &pb.Location{Ranges: pbRanges(rs)}
}
