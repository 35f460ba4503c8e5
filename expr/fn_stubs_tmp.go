package expr

func registerJSONFunctions(r *Registry)     {}
func registerURLFunctions(r *Registry)      {}
func registerBytesFunctions(r *Registry)    {}
