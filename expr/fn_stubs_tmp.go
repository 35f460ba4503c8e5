package expr

func registerCollectionFunctions(r *Registry) {}
func registerLambdaFunctions(r *Registry)     {}
func registerJSONFunctions(r *Registry)       {}
func registerDateTimeFunctions(r *Registry)   {}
func registerURLFunctions(r *Registry)        {}
func registerBytesFunctions(r *Registry)      {}
