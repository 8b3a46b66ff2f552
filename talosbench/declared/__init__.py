"""What each loss, backbone and metric declares (names, hyper-parameters, traits), without torch.

``declared.losses`` and ``declared.backbones`` hold one module per implementation module of
``talosbench.losses`` and ``talosbench.backbones``, each declaring its components' records (``base``);
``declared.metrics`` names the metrics every run evaluates. The settings schema checks a run's
hyper-parameters against these records, and suites, the report and the plots read them, all without
importing torch; the torch classes point at their records.
"""
