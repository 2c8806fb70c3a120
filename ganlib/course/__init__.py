"""The course's machinery: claims checked in the notebooks, the recipes behind the shipped
checkpoints, the grader."""
