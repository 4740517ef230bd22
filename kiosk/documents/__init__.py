"""Documents the kiosk prints on A4 and on license stock, rendered to PDF with Qt (no display needed).

Rendering runs on the printing worker thread, never on the GUI thread; the PDF then
goes to a :class:`~drivers.printers.model.DocumentPrinter` (CUPS or the simulator).
"""
