"""Category generators, grouped by family; `meshsmith.data.registry` lists them all."""
