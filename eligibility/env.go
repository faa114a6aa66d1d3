package eligibility

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/ext"
)

// CostLimit bounds the runtime cost (cel-go cost units) of one expression; an
// expression over it evaluates to unknown (never a panic, never eligible).
const CostLimit = 1_000_000

// newEnv declares the CEL variables every program sees:
//
//	applicant     map   the applicant (member fields, see memberValue)
//	household     list  every current member of the applicant's household (any status)
//	params        map   parameter values in force on the check date
//	derived       map   the program's derived values computed so far
//	programs      map   id → {decision, amounts} of the programs in depends_on
//	as_of         timestamp  the check date (UTC midnight of the CST calendar date)
//	as_of_date    string     the check date, "2006-01-02"
//	region_prefix string     the program's region_prefix
//
// plus the string and list extensions and sum(list(int)) → int (error on
// overflow).
func newEnv() (*cel.Env, error) {
	env, err := cel.NewEnv(
		cel.Variable("applicant", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("household", cel.ListType(cel.MapType(cel.StringType, cel.DynType))),
		cel.Variable("params", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("derived", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("programs", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("as_of", cel.TimestampType),
		cel.Variable("as_of_date", cel.StringType),
		cel.Variable("region_prefix", cel.StringType),
		ext.Strings(),
		ext.Lists(),
		cel.Function("sum",
			cel.Overload("sum_list", []*cel.Type{cel.ListType(cel.DynType)}, cel.IntType,
				cel.UnaryBinding(sumInts)),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("cannot create CEL environment: %w", err)
	}
	return env, nil
}

// sumInts adds a list of ints; an error value on overflow or a non-int element.
func sumInts(v ref.Val) ref.Val {
	l, ok := v.(traits.Lister)
	if !ok {
		return types.NewErr("sum: not a list")
	}
	var total int64
	it := l.Iterator()
	for it.HasNext() == types.True {
		e, ok := it.Next().(types.Int)
		if !ok {
			return types.NewErr("sum: list element is not an int")
		}
		if (e > 0 && total > math.MaxInt64-int64(e)) || (e < 0 && total < math.MinInt64-int64(e)) {
			return types.NewErr("sum: integer overflow")
		}
		total += int64(e)
	}
	return types.Int(total)
}

// smallSize bounds every list, map and string of an input the unmetered
// programs are planned for (celProgram): strings of at most smallSize
// characters (CEL's size()), lists and maps of at most smallSize elements, nested alike.
const smallSize = 64

// celProgram is one compiled expression, planned twice: metered runs it
// with cel-go's cost tracking and CostLimit (an expression over it
// evaluates to unknown); unmetered, without tracking (about a quarter of
// the evaluation's CPU), exists only when cel-go's static estimate proves
// the expression's cost at most CostLimit for every input whose sizes are
// within smallSize, and is run only on such inputs (smallValue), where
// both give the same result.
type celProgram struct {
	metered, unmetered cel.Program
}

// smallSizes is the cost estimator of celProgram: any list, map or string
// has at most smallSize elements.
type smallSizes struct{}

func (smallSizes) EstimateSize(checker.AstNode) *checker.SizeEstimate {
	return &checker.SizeEstimate{Min: 0, Max: smallSize}
}

func (smallSizes) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}

// compile parses and checks one expression; wantBool requires a bool (or dyn)
// result.
func compile(env *cel.Env, expr string, wantBool bool) (celProgram, error) {
	if expr == "" {
		return celProgram{}, errors.New("empty expression")
	}
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return celProgram{}, fmt.Errorf("cannot compile %q: %w", expr, iss.Err())
	}
	if wantBool && !ast.OutputType().IsExactType(cel.BoolType) && !ast.OutputType().IsExactType(cel.DynType) {
		return celProgram{}, fmt.Errorf("expression %q has type %s, want bool", expr, ast.OutputType())
	}
	var out celProgram
	var err error
	if out.metered, err = env.Program(ast, cel.CostLimit(CostLimit), cel.EvalOptions(cel.OptOptimize)); err != nil {
		return celProgram{}, fmt.Errorf("cannot plan %q: %w", expr, err)
	}
	if est, err := env.EstimateCost(ast, smallSizes{}); err == nil && est.Max <= CostLimit {
		if out.unmetered, err = env.Program(ast, cel.EvalOptions(cel.OptOptimize)); err != nil {
			return celProgram{}, fmt.Errorf("cannot plan %q: %w", expr, err)
		}
	}
	return out, nil
}

// eval runs a program (unmetered when small says every variable is within
// smallSize and the expression has an unmetered plan), turning errors and
// panics into an error.
func eval(prg celProgram, vars map[string]any, small bool) (out ref.Val, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("evaluation panicked: %v", r)
		}
	}()
	run := prg.metered
	if small && prg.unmetered != nil {
		run = prg.unmetered
	}
	v, _, err := run.Eval(vars)
	if err != nil {
		return nil, err
	}
	if types.IsError(v) {
		return nil, fmt.Errorf("%v", v)
	}
	return v, nil
}

// smallValue reports whether v (an input value of the rules: maps, lists,
// strings, scalars; or a CEL value) holds no string, list or map over
// smallSize.
func smallValue(v any) bool {
	switch x := v.(type) {
	case string:
		return smallString(x)
	case []any:
		if len(x) > smallSize {
			return false
		}
		for _, e := range x {
			if !smallValue(e) {
				return false
			}
		}
		return true
	case map[string]any:
		if len(x) > smallSize {
			return false
		}
		for k, e := range x {
			if !smallString(k) || !smallValue(e) {
				return false
			}
		}
		return true
	case nil, bool, int, int32, int64, uint, uint8, uint32, uint64, float64, time.Time, time.Duration:
		return true
	case types.String:
		return smallString(string(x))
	case types.Int, types.Uint, types.Double, types.Bool, types.Null, types.Timestamp, types.Duration:
		return true
	case traits.Lister:
		if n, ok := x.Size().(types.Int); !ok || n > smallSize {
			return false
		}
		for it := x.Iterator(); it.HasNext() == types.True; {
			if !smallValue(celElement(it.Next())) {
				return false
			}
		}
		return true
	case traits.Mapper:
		if n, ok := x.Size().(types.Int); !ok || n > smallSize {
			return false
		}
		for it := x.Iterator(); it.HasNext() == types.True; {
			k := it.Next()
			if !smallValue(celElement(k)) || !smallValue(celElement(x.Get(k))) {
				return false
			}
		}
		return true
	}
	return false // anything else: not proven small
}

// smallString: s has at most smallSize characters (taken apart from
// smallValue so that a map key is not boxed into an interface to be asked).
func smallString(s string) bool {
	return len(s) <= smallSize || utf8.RuneCountInString(s) <= smallSize
}

// celElement unwraps a CEL value that wraps a Go map or list of the input
// (so smallValue walks it as such).
func celElement(v ref.Val) any {
	switch v.(type) {
	case traits.Lister, traits.Mapper:
		switch n := v.Value().(type) {
		case map[string]any, []any:
			return n
		}
	}
	return v
}

// toNative converts a CEL value to plain Go values for JSON: bool, int64,
// uint64, float64, string, time.Time, time.Duration, []any, map[string]any, nil.
func toNative(v ref.Val) any {
	switch x := v.(type) {
	case nil:
		return nil
	case types.Null:
		return nil
	case types.Bool:
		return bool(x)
	case types.Int:
		return int64(x)
	case types.Uint:
		return uint64(x)
	case types.Double:
		return float64(x)
	case types.String:
		return string(x)
	case types.Timestamp:
		if x.Time.IsZero() {
			return nil // an unknown date (a record without one): null, never year 1
		}
		return x.Time
	case types.Duration:
		return x.Duration
	case traits.Mapper:
		out := map[string]any{}
		it := x.Iterator()
		var keys []string
		vals := map[string]ref.Val{}
		for it.HasNext() == types.True {
			k := it.Next()
			ks := fmt.Sprint(toNative(k))
			keys = append(keys, ks)
			vals[ks] = x.Get(k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out[k] = toNative(vals[k])
		}
		return out
	case traits.Lister:
		var out []any
		it := x.Iterator()
		for it.HasNext() == types.True {
			out = append(out, toNative(it.Next()))
		}
		if out == nil {
			out = []any{}
		}
		return out
	}
	return v.Value()
}
