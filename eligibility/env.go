package eligibility

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/google/cel-go/cel"
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

// compile parses and checks one expression; wantBool requires a bool (or dyn)
// result.
func compile(env *cel.Env, expr string, wantBool bool) (cel.Program, error) {
	if expr == "" {
		return nil, errors.New("empty expression")
	}
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return nil, fmt.Errorf("cannot compile %q: %w", expr, iss.Err())
	}
	if wantBool && !ast.OutputType().IsExactType(cel.BoolType) && !ast.OutputType().IsExactType(cel.DynType) {
		return nil, fmt.Errorf("expression %q has type %s, want bool", expr, ast.OutputType())
	}
	prg, err := env.Program(ast, cel.CostLimit(CostLimit))
	if err != nil {
		return nil, fmt.Errorf("cannot plan %q: %w", expr, err)
	}
	return prg, nil
}

// eval runs a program, turning errors and panics into an error.
func eval(prg cel.Program, vars map[string]any) (out ref.Val, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("evaluation panicked: %v", r)
		}
	}()
	v, _, err := prg.Eval(vars)
	if err != nil {
		return nil, err
	}
	if types.IsError(v) {
		return nil, fmt.Errorf("%v", v)
	}
	return v, nil
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
