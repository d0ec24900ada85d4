# lib/'s folders, one concern each (lib/README.md). Their headers are
# included by name: every user of the library (cli/, tests/unit, bench/)
# includes this file and adds KS_LIB_INC to its flags. TOP: the tree's top.
KS_LIB_DIRS := util driver report kernel user watch waitfor
KS_LIB_INC := -I$(TOP)/lib $(addprefix -I$(TOP)/lib/,$(KS_LIB_DIRS))
