"""Renders a mutation decree (SK) as a PDF with fpdf2: heading, "Menimbang" and "Mengingat" clauses, the
decision with the person, from and to, TMT, and the signatory. The document's creation date is the issue
time, so the same decree always renders to the same bytes (and the same hash)."""

from datetime import date, datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from services.mutation.domain.decree import DecreeContent, DecreeKind
from services.mutation.domain.mutation_types import AUTHORITIES

_MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def _long_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _latin1(text: str) -> str:
    # The PDF core fonts speak Latin-1; anything else is replaced rather than failing the decree.
    return text.encode("latin-1", "replace").decode("latin-1")


class _Decree(FPDF):
    def line_of(self, text: str, *, bold: bool = False, align: str = "L", size: int = 11) -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        self.multi_cell(0, 6, _latin1(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def clauses(self, label: str, items: list[str]) -> None:
        self.set_font("Helvetica", "", 11)
        for i, item in enumerate(items):
            head = label if i == 0 else ""
            self.cell(30, 6, head)
            self.cell(8, 6, f"{chr(ord('a') + i)}.")
            self.multi_cell(0, 6, _latin1(item + ";"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def field(self, label: str, value: str) -> None:
        self.set_font("Helvetica", "", 11)
        self.cell(12)
        self.cell(55, 6, _latin1(label))
        self.cell(5, 6, ":")
        self.multi_cell(0, 6, _latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(content: DecreeContent, *, issued_at: datetime) -> bytes:
    pdf = _Decree(format="A4")
    pdf.set_creation_date(issued_at)
    pdf.set_title(f"Keputusan {content.number}")
    pdf.set_author(content.signatory.title)
    pdf.set_margins(25, 20, 20)
    pdf.add_page()
    authority = AUTHORITIES[content.mutation_type]
    pdf.line_of(f"KEPUTUSAN {content.signatory.title.upper()}", bold=True, align="C", size=12)
    pdf.line_of(f"NOMOR {content.number}", bold=True, align="C")
    pdf.line_of(content.heading, bold=True, align="C")
    pdf.ln(4)
    pdf.line_of(f"{content.signatory.title.upper()},", bold=True, align="C")
    pdf.ln(2)
    pdf.clauses("Menimbang", list(content.considerations))
    pdf.ln(2)
    pdf.clauses("Mengingat", list(content.legal_basis))
    pdf.ln(3)
    pdf.line_of("MEMUTUSKAN:", bold=True, align="C")
    if content.kind is DecreeKind.REVOCATION:
        pdf.line_of(
            f"Menetapkan: Mencabut Keputusan Nomor {content.changes_number} tentang mutasi "
            f"Pegawai Negeri Sipil atas nama {content.name} (NIP {content.nip}), "
            f"karena {content.reason or '-'}."
        )
    else:
        if content.kind is DecreeKind.AMENDMENT:
            pdf.line_of(
                f"Mengubah Keputusan Nomor {content.changes_number} ({content.reason or '-'}) "
                "sehingga berbunyi:"
            )
        pdf.line_of(
            f"KESATU: Memindahkan Pegawai Negeri Sipil ({authority.label.lower()}) sebagaimana berikut:"
        )
        pdf.field("Nama", content.name)
        pdf.field("NIP", content.nip)
        pdf.field("Pangkat/golongan ruang", content.rank)
        pdf.field("Dari jabatan", content.origin.position)
        pdf.field("Unit kerja asal", f"{content.origin.unit}, {content.origin.agency}")
        pdf.field("Ke jabatan", content.target.position)
        pdf.field("Unit kerja tujuan", f"{content.target.unit}, {content.target.agency}")
        pdf.field("Terhitung mulai tanggal", _long_date(content.tmt))
        pdf.line_of("KEDUA: Segala biaya yang timbul akibat mutasi ini dibebankan kepada instansi penerima.")
        pdf.line_of(
            "KETIGA: Keputusan ini mulai berlaku pada tanggal ditetapkan, dengan ketentuan apabila di "
            "kemudian hari terdapat kekeliruan akan diadakan perbaikan sebagaimana mestinya."
        )
    pdf.ln(6)
    pdf.set_x(115)
    pdf.multi_cell(
        0,
        6,
        _latin1(
            f"Ditetapkan di {content.place}\npada tanggal {_long_date(content.signed_on)}\n\n"
            f"{content.signatory.title},\n\n\n\n{content.signatory.name}"
            + (f"\nNIP {content.signatory.nip}" if content.signatory.nip else "")
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())
