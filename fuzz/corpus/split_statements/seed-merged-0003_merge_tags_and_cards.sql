-- A merge joins the two branches; it has nothing to run.

