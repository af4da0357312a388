"""Shape sets the exporter tests build their sheets from."""

from lipsync.sheet import ShapeInfo, ShapeSet

RHUBARB = ShapeSet(
    name="rhubarb",
    rest="X",
    shapes=tuple(
        ShapeInfo(name, drawing, label, openness)
        for drawing, (name, label, openness) in enumerate(
            [("A", "closed MBP", 0), ("B", "teeth", 1), ("C", "open", 2), ("D", "wide", 2),
             ("E", "round", 1), ("F", "pucker", 1), ("G", "F/V", 1), ("H", "L", 2),
             ("X", "rest", 0)],
            start=1,
        )
    ),
)
